using System.Data.Common;

namespace WaOrleans.Grains.Storage;

/// <summary>
/// One database transaction that a session's stores and the caller's own statements share, for the
/// durability rules that need several writes to land together (DESIGN.md rule 1: an inbound
/// message, its webhook deliveries and the Signal state that decrypted it).
/// </summary>
/// <remarks>
/// <para>
/// Open it with <see cref="SqlDeviceStore.BeginUnitOfWorkAsync"/>. Until it ends, every operation of
/// that session's stores (credentials, <see cref="Protocol.Signal.Stores.ISignalProtocolStore.CommitAsync"/>,
/// LID mappings, and their reads) runs on its connection inside its transaction, and commits nothing
/// on its own. Run your own statements with <see cref="CreateCommand"/> (parameterized SQL only).
/// <see cref="CommitAsync"/> makes everything durable at once; disposing without it rolls everything back.
/// </para>
/// <para>
/// It belongs to the one caller that opened it (a session grain's turn): the session's stores must
/// not be used from other threads while it is open. After a failed operation (for example a prekey
/// another operation consumed first) dispose it and start again: the transaction may be unusable.
/// </para>
/// <code>
/// await using var work = await deviceStore.BeginUnitOfWorkAsync(ct);
/// var plaintext = await cipher.DecryptAsync(message, ct);   // Signal commit joins the transaction
/// await using (var insert = work.CreateCommand("INSERT INTO … VALUES (@id, …)")) { … }
/// await work.CommitAsync(ct);                                   // then ack to WhatsApp
/// </code>
/// </remarks>
public sealed class SqlUnitOfWork : IAsyncDisposable
{
    private readonly Action _onEnd;
    private bool _ended;

    internal SqlUnitOfWork(DbConnection connection, DbTransaction transaction, Action onEnd)
    {
        Connection = connection;
        Transaction = transaction;
        _onEnd = onEnd;
    }

    /// <summary>Gets the connection the unit of work runs on.</summary>
    public DbConnection Connection { get; }

    /// <summary>Gets the transaction every statement of the unit of work must be enlisted in.</summary>
    public DbTransaction Transaction { get; }

    /// <summary>Creates a command on the unit of work's connection, enlisted in its transaction.</summary>
    public DbCommand CreateCommand(string sql)
    {
        ObjectDisposedException.ThrowIf(_ended, this);
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        return Connection.CreateCommand(Transaction, sql);
    }

    /// <summary>Commits every write of the unit of work at once, and ends it.</summary>
    public async ValueTask CommitAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_ended, this);
        try
        {
            await Transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await EndAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Ends the unit of work; without <see cref="CommitAsync"/> nothing it wrote is kept.</summary>
    public ValueTask DisposeAsync() => EndAsync();

    private async ValueTask EndAsync()
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        _onEnd();
        await Transaction.DisposeAsync().ConfigureAwait(false);
        await Connection.DisposeAsync().ConfigureAwait(false);
    }
}

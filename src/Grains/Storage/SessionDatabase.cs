using System.Data.Common;

namespace WaOrleans.Grains.Storage;

/// <summary>
/// The rows of one session in a <see cref="DeviceStorage"/>, shared by that session's device,
/// Signal and LID stores so that they all join the session's open <see cref="SqlUnitOfWork"/>.
/// </summary>
internal sealed class SessionDatabase(DeviceStorage storage, string sessionId)
{
    private SqlUnitOfWork? _unitOfWork;

    /// <summary>Gets the session id every row of this session is keyed by.</summary>
    public string SessionId { get; } = sessionId;

    /// <summary>Begins a unit of work that every store operation of this session joins until it ends.</summary>
    public async ValueTask<SqlUnitOfWork> BeginUnitOfWorkAsync(CancellationToken cancellationToken)
    {
        if (_unitOfWork is not null)
        {
            throw new InvalidOperationException($"session {SessionId} already has an open unit of work");
        }

        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = await storage.BeginTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            _unitOfWork = new SqlUnitOfWork(connection, transaction, () => _unitOfWork = null);
            return _unitOfWork;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Gets a place to run statements: the open unit of work, or else a new connection with a
    /// transaction of its own when <paramref name="transactional"/> (committed by
    /// <see cref="DbScope.CompleteAsync"/>), or without one for a single statement.
    /// </summary>
    public async ValueTask<DbScope> OpenAsync(bool transactional, CancellationToken cancellationToken)
    {
        if (_unitOfWork is { } unitOfWork)
        {
            return new DbScope(unitOfWork.Connection, unitOfWork.Transaction, ownsConnection: false);
        }

        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = transactional ? await storage.BeginTransactionAsync(connection, cancellationToken).ConfigureAwait(false) : null;
            return new DbScope(connection, transaction, ownsConnection: true);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

/// <summary>
/// A connection (and maybe a transaction) lent to one store operation. When it owns them, ending it
/// without <see cref="CompleteAsync"/> rolls its transaction back; when they belong to a unit of
/// work, the unit of work decides.
/// </summary>
internal sealed class DbScope(DbConnection connection, DbTransaction? transaction, bool ownsConnection) : IAsyncDisposable
{
    /// <summary>Gets the connection the scope runs on.</summary>
    public DbConnection Connection => connection;

    /// <summary>Gets the transaction the scope's statements are enlisted in, if any.</summary>
    public DbTransaction? Transaction => transaction;

    /// <summary>Gets whether the scope's writes are committed by <see cref="CompleteAsync"/> (false inside a unit of work, whose owner commits or rolls back later).</summary>
    public bool CommitsItself => ownsConnection;

    /// <summary>Creates a parameterized command in this scope.</summary>
    public DbCommand Command(string sql) => connection.CreateCommand(transaction, sql);

    /// <summary>Commits the scope's own transaction; inside a unit of work this does nothing.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (ownsConnection && transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (ownsConnection)
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }

            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}

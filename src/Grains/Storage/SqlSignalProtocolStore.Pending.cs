using System.Data.Common;
using WaOrleans.Protocol.Signal.Stores;

namespace WaOrleans.Grains.Storage;

/// <summary>Inbound messages decrypted but not yet acknowledged, in <c>signal_pending_inbound</c>.</summary>
public sealed partial class SqlSignalProtocolStore
{
    private const string LoadPendingInboundSql = """
        SELECT record FROM signal_pending_inbound
        WHERE session_id = @session AND chat = @chat AND sender = @sender AND message_id = @id
        """;

    private const string ListPendingInboundSql = "SELECT chat, sender, message_id, record FROM signal_pending_inbound WHERE session_id = @session";

    private const string StorePendingInboundSql = """
        INSERT INTO signal_pending_inbound (session_id, chat, sender, message_id, record) VALUES (@session, @chat, @sender, @id, @record)
        ON CONFLICT (session_id, chat, sender, message_id) DO UPDATE SET record = excluded.record
        """;

    private const string RemovePendingInboundSql = """
        DELETE FROM signal_pending_inbound
        WHERE session_id = @session AND chat = @chat AND sender = @sender AND message_id = @id
        """;

    /// <inheritdoc/>
    public ValueTask<byte[]?> LoadPendingInboundAsync(PendingInboundKey key, CancellationToken cancellationToken = default) =>
        LoadAsync(LoadPendingInboundSql, c => BindKey(c, key), cancellationToken);

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<PendingInbound>> ListPendingInboundAsync(CancellationToken cancellationToken = default)
    {
        var pending = new List<PendingInbound>();
        var scope = await _database.OpenAsync(transactional: false, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
        {
            await using var command = scope.Command(ListPendingInboundSql).With("@session", _database.SessionId);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var key = new PendingInboundKey(reader.GetString(0), reader.GetString(1), reader.GetString(2));
                    pending.Add(new PendingInbound(key, (byte[])reader.GetValue(3)));
                }
            }
        }

        return pending;
    }

    /// <inheritdoc/>
    public ValueTask StorePendingInboundAsync(PendingInboundKey key, byte[] record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return ExecuteAsync(StorePendingInboundSql, c => BindKey(c, key).With("@record", record), cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask RemovePendingInboundAsync(PendingInboundKey key, CancellationToken cancellationToken = default) =>
        ExecuteAsync(RemovePendingInboundSql, c => BindKey(c, key), cancellationToken);

    private async ValueTask CommitPendingInboundAsync(DbScope scope, SignalChangeSet changes, CancellationToken cancellationToken)
    {
        foreach (var key in changes.RemovedPendingInbound)
        {
            await using var remove = BindKey(Bind(scope, RemovePendingInboundSql), key);
            await remove.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var (key, record) in changes.PendingInbound)
        {
            await using var store = BindKey(Bind(scope, StorePendingInboundSql), key).With("@record", record);
            await store.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static DbCommand BindKey(DbCommand command, PendingInboundKey key) =>
        command.With("@chat", key.Chat).With("@sender", key.Sender).With("@id", key.MessageId);
}

using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Store;

namespace WaOrleans.Grains.Storage;

/// <summary>Poll message secrets and privacy tokens of the session (migration 0015), so votes and tokens survive a restart.</summary>
public sealed partial class SqlDeviceStore : IMessageSecretStore, IPrivacyTokenStore
{
    private const string SaveSecretSql = """
        INSERT INTO message_secrets (session_id, message_id, record) VALUES (@session, @id, @record)
        ON CONFLICT (session_id, message_id) DO UPDATE SET record = excluded.record
        """;

    private const string LoadSecretSql = "SELECT record FROM message_secrets WHERE session_id = @session AND message_id = @id";

    private const string SaveTokenSql = """
        INSERT INTO privacy_tokens (session_id, user_jid, token, issued_at) VALUES (@session, @user, @token, @issued)
        ON CONFLICT (session_id, user_jid) DO UPDATE SET token = excluded.token, issued_at = excluded.issued_at
        """;

    private const string LoadTokenSql = "SELECT token, issued_at FROM privacy_tokens WHERE session_id = @session AND user_jid = @user";

    /// <inheritdoc/>
    public async ValueTask StoreMessageSecretAsync(string messageId, byte[] record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(record);
        var scope = await _database.OpenAsync(transactional: false, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
        {
            await using var command = scope.Command(SaveSecretSql).With("@session", SessionId).With("@id", messageId).With("@record", record);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask<byte[]?> LoadMessageSecretAsync(string messageId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        var scope = await _database.OpenAsync(transactional: false, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
        {
            await using var command = scope.Command(LoadSecretSql).With("@session", SessionId).With("@id", messageId);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
        }
    }

    /// <inheritdoc/>
    public async ValueTask StorePrivacyTokenAsync(Jid user, PrivacyToken token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        var scope = await _database.OpenAsync(transactional: false, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
        {
            await using var command = scope.Command(SaveTokenSql).With("@session", SessionId).With("@user", user.WithoutDevice().ToString())
                .With("@token", token.Token.ToArray()).With("@issued", token.Timestamp.ToUnixTimeSeconds());
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask<PrivacyToken?> LoadPrivacyTokenAsync(Jid user, CancellationToken cancellationToken = default)
    {
        var scope = await _database.OpenAsync(transactional: false, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
        {
            await using var command = scope.Command(LoadTokenSql).With("@session", SessionId).With("@user", user.WithoutDevice().ToString());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            var bytes = (byte[])reader.GetValue(0);
            return new PrivacyToken(bytes, DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64(1)));
        }
    }
}

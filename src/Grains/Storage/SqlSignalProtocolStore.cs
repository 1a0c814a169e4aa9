// Like every Signal store this one keeps opaque records: it must not look inside them, step a
// ratchet or decide what a message means. Rows are keyed by the session id first.
using System.Data.Common;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.State;
using WaOrleans.Protocol.Signal.Stores;

namespace WaOrleans.Grains.Storage;

/// <summary>
/// The <see cref="ISignalProtocolStore"/> of one session in a <see cref="DeviceStorage"/> database.
/// <see cref="CommitAsync(SignalChangeSet, CancellationToken)"/> is one database transaction, and a one-time prekey it removes is
/// handed out once: when another operation consumed it first, the commit fails and changes nothing.
/// </summary>
/// <remarks>
/// A changed peer identity is trusted and reported as <see cref="IdentityChange.ReplacedExisting"/>,
/// as WhatsApp does ("security code changed", messages keep flowing). Inside an open
/// <see cref="SqlUnitOfWork"/> every read and write joins its transaction.
/// </remarks>
public sealed partial class SqlSignalProtocolStore : ISignalProtocolStore, IPendingInboundStore
{
    private const string LoadIdentitySql = "SELECT identity_key FROM signal_identity_keys WHERE session_id = @session AND address = @address";

    private const string SaveIdentitySql = """
        INSERT INTO signal_identity_keys (session_id, address, identity_key) VALUES (@session, @address, @record)
        ON CONFLICT (session_id, address) DO UPDATE SET identity_key = excluded.identity_key
        """;

    private const string LoadPreKeySql = "SELECT record FROM signal_prekeys WHERE session_id = @session AND prekey_id = @id";

    private const string StorePreKeySql = """
        INSERT INTO signal_prekeys (session_id, prekey_id, record) VALUES (@session, @id, @record)
        ON CONFLICT (session_id, prekey_id) DO UPDATE SET record = excluded.record
        """;

    // Deleting is the consumption: of concurrent deletes of one row, exactly one reports it
    // (PostgreSQL re-checks a row locked by a committed delete; SQLite serializes writers).
    private const string RemovePreKeySql = "DELETE FROM signal_prekeys WHERE session_id = @session AND prekey_id = @id";

    private const string LoadSignedPreKeySql = "SELECT record FROM signal_signed_prekeys WHERE session_id = @session AND signed_prekey_id = @id";

    private const string StoreSignedPreKeySql = """
        INSERT INTO signal_signed_prekeys (session_id, signed_prekey_id, record) VALUES (@session, @id, @record)
        ON CONFLICT (session_id, signed_prekey_id) DO UPDATE SET record = excluded.record
        """;

    private const string RemoveSignedPreKeySql = "DELETE FROM signal_signed_prekeys WHERE session_id = @session AND signed_prekey_id = @id";

    private const string LoadSessionSql = "SELECT record FROM signal_sessions WHERE session_id = @session AND address = @address";

    private const string StoreSessionSql = """
        INSERT INTO signal_sessions (session_id, address, record) VALUES (@session, @address, @record)
        ON CONFLICT (session_id, address) DO UPDATE SET record = excluded.record
        """;

    private const string DeleteSessionSql = "DELETE FROM signal_sessions WHERE session_id = @session AND address = @address";

    private const string LoadSenderKeySql = "SELECT record FROM signal_sender_keys WHERE session_id = @session AND group_id = @group AND sender = @address";

    private const string StoreSenderKeySql = """
        INSERT INTO signal_sender_keys (session_id, group_id, sender, record) VALUES (@session, @group, @address, @record)
        ON CONFLICT (session_id, group_id, sender) DO UPDATE SET record = excluded.record
        """;

    private readonly SessionDatabase _database;
    private readonly IdentityKeyPair _identity;
    private readonly RegistrationId _registrationId;
    private readonly CommittedMemory<byte[]> _sessions;
    private readonly CommittedMemory<byte[]> _identities;

    internal SqlSignalProtocolStore(SessionDatabase database, IdentityKeyPair identity, RegistrationId registrationId, CommittedMemory<byte[]> sessions, CommittedMemory<byte[]> identities)
    {
        _database = database;
        _identity = identity;
        _registrationId = registrationId;
        _sessions = sessions;
        _identities = identities;
    }

    /// <inheritdoc/>
    public ValueTask<IdentityKeyPair> GetIdentityKeyPairAsync(CancellationToken cancellationToken = default) => new(_identity);

    /// <inheritdoc/>
    public ValueTask<RegistrationId> GetLocalRegistrationIdAsync(CancellationToken cancellationToken = default) => new(_registrationId);

    /// <inheritdoc/>
    public async ValueTask<IdentityChange> SaveIdentityAsync(SignalAddress address, IdentityKey identity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var key = address.ToString();
        _identities.Forget([key]);
        var scope = await _database.OpenAsync(transactional: true, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
        {
            var change = await SaveIdentityAsync(scope, address, identity, cancellationToken).ConfigureAwait(false);
            await scope.CompleteAsync(cancellationToken).ConfigureAwait(false);
            if (scope.CommitsItself)
            {
                _identities.Remember([(key, identity.PublicKeyBytes())]);
            }

            return change;
        }
    }

    /// <inheritdoc/>
    public ValueTask<bool> IsTrustedIdentityAsync(SignalAddress address, IdentityKey identity, TrustDirection direction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return new(true);
    }

    /// <inheritdoc/>
    /// <remarks>Answered from the session's memory of identities when it has one: every prekey message asks.</remarks>
    public async ValueTask<IdentityKey?> GetIdentityAsync(SignalAddress address, CancellationToken cancellationToken = default)
    {
        var bytes = await RememberedAsync(_identities, LoadIdentitySql, address.ToString(), cancellationToken).ConfigureAwait(false);
        return bytes is null ? null : IdentityKey.FromBytes(bytes);
    }

    /// <inheritdoc/>
    public async ValueTask<PreKeyRecord?> LoadPreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default) =>
        await LoadAsync(LoadPreKeySql, c => c.With("@id", (long)id.Value), cancellationToken).ConfigureAwait(false) is { } bytes
            ? PreKeyRecord.Deserialize(bytes)
            : null;

    /// <inheritdoc/>
    public ValueTask StorePreKeyAsync(PreKeyRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var bytes = record.Serialize();
        return ExecuteAsync(StorePreKeySql, c => c.With("@id", (long)record.Id.Value).With("@record", bytes), cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>One transaction for the whole batch: a login's 812 keys are one commit, not 812.</remarks>
    public async ValueTask StorePreKeysAsync(IReadOnlyList<PreKeyRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var scope = await _database.OpenAsync(transactional: true, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
        {
            await using var command = scope.Command(StorePreKeySql).With("@session", _database.SessionId).With("@id", 0L).With("@record", Array.Empty<byte>());
            foreach (var record in records)
            {
                command.Parameters["@id"].Value = (long)record.Id.Value;
                command.Parameters["@record"].Value = record.Serialize();
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await scope.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public ValueTask RemovePreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default) =>
        ExecuteAsync(RemovePreKeySql, c => c.With("@id", (long)id.Value), cancellationToken);

    /// <inheritdoc/>
    public async ValueTask<SignedPreKeyRecord?> LoadSignedPreKeyAsync(SignedPreKeyId id, CancellationToken cancellationToken = default) =>
        await LoadAsync(LoadSignedPreKeySql, c => c.With("@id", (long)id.Value), cancellationToken).ConfigureAwait(false) is { } bytes
            ? SignedPreKeyRecord.Deserialize(bytes)
            : null;

    /// <inheritdoc/>
    public ValueTask StoreSignedPreKeyAsync(SignedPreKeyRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var bytes = record.Serialize();
        return ExecuteAsync(StoreSignedPreKeySql, c => c.With("@id", (long)record.Id.Value).With("@record", bytes), cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask RemoveSignedPreKeyAsync(SignedPreKeyId id, CancellationToken cancellationToken = default) =>
        ExecuteAsync(RemoveSignedPreKeySql, c => c.With("@id", (long)id.Value), cancellationToken);

    /// <inheritdoc/>
    /// <remarks>Answered from the session's memory of its records when it has one (<see cref="CommittedMemory{TValue}"/>).</remarks>
    public async ValueTask<SessionRecord?> LoadSessionAsync(SignalAddress address, CancellationToken cancellationToken = default)
    {
        var bytes = await RememberedAsync(_sessions, LoadSessionSql, address.ToString(), cancellationToken).ConfigureAwait(false);
        return bytes is null ? null : SessionRecord.Deserialize(bytes);
    }

    /// <inheritdoc/>
    public ValueTask StoreSessionAsync(SignalAddress address, SessionRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var bytes = record.Serialize();
        return WriteSessionAsync(StoreSessionSql, address.ToString(), bytes, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask DeleteSessionAsync(SignalAddress address, CancellationToken cancellationToken = default) =>
        WriteSessionAsync(DeleteSessionSql, address.ToString(), null, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask<SenderKeyRecord?> LoadSenderKeyAsync(SenderKeyName name, CancellationToken cancellationToken = default) =>
        await LoadAsync(LoadSenderKeySql, c => c.With("@group", name.GroupId).With("@address", name.Sender.ToString()), cancellationToken).ConfigureAwait(false) is { } bytes
            ? SenderKeyRecord.Deserialize(bytes)
            : null;

    /// <inheritdoc/>
    public ValueTask StoreSenderKeyAsync(SenderKeyName name, SenderKeyRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var bytes = record.Serialize();
        return ExecuteAsync(StoreSenderKeySql, c => c.With("@group", name.GroupId).With("@address", name.Sender.ToString()).With("@record", bytes), cancellationToken);
    }

    /// <summary>Describes the store by its session id.</summary>
    public override string ToString() => $"SqlSignalProtocolStore({_database.SessionId})";

    /// <summary>Reads the row of <paramref name="address"/> (<c>@address</c> in <paramref name="sql"/>), from <paramref name="memory"/> when it holds it.</summary>
    private async ValueTask<byte[]?> RememberedAsync(CommittedMemory<byte[]> memory, string sql, string address, CancellationToken cancellationToken)
    {
        if (memory.TryGet(address, out var remembered))
        {
            return remembered;
        }

        var readStarted = memory.BeginRead();
        var scope = await _database.OpenAsync(transactional: false, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
        {
            await using var command = Bind(scope, sql).With("@address", address);
            var bytes = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
            if (scope.CommitsItself)
            {
                // Inside a unit of work the read may see rows that never commit.
                memory.RememberRead(readStarted, [(address, bytes)]);
            }

            return bytes;
        }
    }

    private async ValueTask<byte[]?> LoadAsync(string sql, Func<DbCommand, DbCommand> bind, CancellationToken cancellationToken)
    {
        var scope = await _database.OpenAsync(transactional: false, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
        {
            await using var command = bind(scope.Command(sql).With("@session", _database.SessionId));
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
        }
    }

    /// <summary>Stores (or with null bytes deletes) one session record on its own, keeping the memory of records true.</summary>
    private async ValueTask WriteSessionAsync(string sql, string address, byte[]? bytes, CancellationToken cancellationToken)
    {
        _sessions.Forget([address]);
        var scope = await _database.OpenAsync(transactional: false, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
        {
            await using var command = Bind(scope, sql).With("@address", address);
            if (bytes is not null)
            {
                command.With("@record", bytes);
            }

            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            if (scope.CommitsItself)
            {
                _sessions.Remember([(address, bytes)]);
            }
        }
    }

    private async ValueTask ExecuteAsync(string sql, Func<DbCommand, DbCommand> bind, CancellationToken cancellationToken)
    {
        var scope = await _database.OpenAsync(transactional: false, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
        {
            await using var command = bind(scope.Command(sql).With("@session", _database.SessionId));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}

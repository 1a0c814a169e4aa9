using WaOrleans.Protocol.Signal.Stores;
using WaOrleans.Protocol.Store;

namespace WaOrleans.Grains.Storage;

/// <summary>
/// The <see cref="IDeviceStore"/> of one session in a <see cref="DeviceStorage"/> database:
/// credentials as their serialized bytes, a <see cref="SqlSignalProtocolStore"/> and a LID store,
/// all keyed by the session id.
/// </summary>
public sealed partial class SqlDeviceStore : IDeviceStore
{
    private const string LoadSql = "SELECT credentials FROM device_credentials WHERE session_id = @session";

    private const string SaveSql = """
        INSERT INTO device_credentials (session_id, credentials) VALUES (@session, @credentials)
        ON CONFLICT (session_id) DO UPDATE SET credentials = excluded.credentials
        """;

    // Every table keyed by session id; a new table must be added here or a wipe leaves it behind.
    private static readonly string[] WipeSql =
    [
        "DELETE FROM device_credentials WHERE session_id = @session",
        "DELETE FROM signal_identity_keys WHERE session_id = @session",
        "DELETE FROM signal_prekeys WHERE session_id = @session",
        "DELETE FROM signal_signed_prekeys WHERE session_id = @session",
        "DELETE FROM signal_sessions WHERE session_id = @session",
        "DELETE FROM signal_sender_keys WHERE session_id = @session",
        "DELETE FROM signal_pending_inbound WHERE session_id = @session",
        "DELETE FROM lid_mappings WHERE session_id = @session",
        "DELETE FROM message_secrets WHERE session_id = @session",
        "DELETE FROM privacy_tokens WHERE session_id = @session",
    ];

    /// <summary>
    /// How many Signal session records one session remembers. A record with its archived states is
    /// a few KB and a node holds thousands of sessions: enough for the contacts a session is talking
    /// with, not a copy of its table. A broadcast to more reads each record once anyway.
    /// </summary>
    internal const int SignalSessionsRemembered = 256;

    /// <summary>How many peer identities one session remembers: 32 bytes each, read by every prekey message.</summary>
    internal const int IdentitiesRemembered = 1024;

    private readonly SessionDatabase _database;
    private readonly SqlLidStore _lids;
    private readonly CommittedMemory<byte[]> _signalSessions = new(SignalSessionsRemembered);
    private readonly CommittedMemory<byte[]> _identities = new(IdentitiesRemembered);

    internal SqlDeviceStore(SessionDatabase database)
    {
        _database = database;
        _lids = new SqlLidStore(database);
    }

    /// <summary>Gets the session id this store's rows are keyed by.</summary>
    public string SessionId => _database.SessionId;

    /// <inheritdoc/>
    public ILidStore Lids => _lids;

    /// <summary>
    /// Begins a unit of work: until it is committed or disposed, every operation of this session's
    /// stores joins its one transaction, and the caller can add statements of its own (see
    /// <see cref="SqlUnitOfWork"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The session already has an open unit of work.</exception>
    public ValueTask<SqlUnitOfWork> BeginUnitOfWorkAsync(CancellationToken cancellationToken = default) =>
        _database.BeginUnitOfWorkAsync(cancellationToken);

    /// <inheritdoc/>
    public async ValueTask<DeviceCredentials?> LoadCredentialsAsync(CancellationToken cancellationToken = default)
    {
        var scope = await _database.OpenAsync(transactional: false, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
        {
            await using var command = scope.Command(LoadSql).With("@session", SessionId);
            var bytes = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
            return bytes is null ? null : DeviceCredentials.Deserialize(bytes);
        }
    }

    /// <inheritdoc/>
    public async ValueTask SaveCredentialsAsync(DeviceCredentials credentials, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        var bytes = credentials.Serialize();
        var scope = await _database.OpenAsync(transactional: false, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
        {
            await using var command = scope.Command(SaveSql).With("@session", SessionId).With("@credentials", bytes);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Every call returns a store over the same rows, sharing this store's memory of session records and peer identities (<see cref="CommittedMemory{TValue}"/>).</remarks>
    public ValueTask<ISignalProtocolStore> OpenSignalStoreAsync(DeviceCredentials credentials, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return new(new SqlSignalProtocolStore(_database, credentials.IdentityKey, credentials.RegistrationId, _signalSessions, _identities));
    }

    /// <inheritdoc/>
    public async ValueTask WipeAsync(CancellationToken cancellationToken = default)
    {
        var scope = await _database.OpenAsync(transactional: true, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
        {
            _lids.Forget();
            _signalSessions.Clear();
            _identities.Clear();
            foreach (var sql in WipeSql)
            {
                await using var command = scope.Command(sql).With("@session", SessionId);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await scope.CompleteAsync(cancellationToken).ConfigureAwait(false);
            _lids.Forget();
            _signalSessions.Clear();
            _identities.Clear();
        }
    }

    /// <summary>Describes the store by its session id.</summary>
    public override string ToString() => $"SqlDeviceStore({SessionId})";
}

using System.Data.Common;
using WaOrleans.Grains.Storage;

namespace WaOrleans.Grains.Sessions;

/// <summary>A session's row in the <c>sessions</c> table.</summary>
internal sealed record SessionRow(SessionState State, string? Reason, string? MeJid, string? MeLid, bool ShouldBeOnline, long Epoch,
    string TenantId, string? Name, DateTimeOffset CreatedAt, long? DailyLimit)
{
    /// <summary>Gets the status the row describes (without QR or pairing code, which live only in the activation).</summary>
    public SessionStatus ToStatus(string sessionId) => new()
    {
        SessionId = sessionId,
        State = State,
        Reason = Reason,
        MeJid = MeJid,
        MeLid = MeLid,
        TenantId = TenantId,
        Name = Name,
        CreatedAt = CreatedAt,
    };
}

/// <summary>A tenant's limits; null means unlimited.</summary>
internal sealed record TenantLimits(long? MaxSessions, long? DailyMessageLimit);

/// <summary>The daily message limits that apply to a session's sends: its own and its tenant's (null: none set).</summary>
internal sealed record DailyLimits(long? Session, long? Tenant);

/// <summary>
/// The <c>sessions</c> table (and the <c>tenants</c> limits the sessions enforce), in the same
/// database as their Signal state. Every statement is portable between SQLite and PostgreSQL.
/// </summary>
internal sealed class SessionTable(DeviceStorage storage, TimeProvider time)
{
    private const string SelectSql = "SELECT session_id, status, reason, me_jid, me_lid, should_be_online, epoch, tenant_id, name, created_at, daily_limit FROM sessions";

    /// <summary>Inserts the session's row unless it exists; returns whether it was inserted.</summary>
    public async Task<bool> CreateAsync(string sessionId, string tenantId, string? name, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            "INSERT INTO sessions (session_id, status, updated_at, tenant_id, name, created_at) VALUES (@id, @status, @now, @tenant, @name, @now) ON CONFLICT (session_id) DO NOTHING",
            cancellationToken,
            ("@id", sessionId),
            ("@status", SessionStateNames.ToApi(SessionState.Created)),
            ("@tenant", tenantId),
            ("@name", name),
            ("@now", Now())).ConfigureAwait(false) == 1;

    /// <summary>Reads the session's row, or null when the session was never created.</summary>
    public async Task<SessionRow?> LoadAsync(string sessionId, CancellationToken cancellationToken)
    {
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand(null, SelectSql + " WHERE session_id = @id")
                .With("@id", sessionId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadRow(reader) : null;
        }
    }

    /// <summary>Marks the session as one that should be online and takes the next fencing epoch for this activation.</summary>
    public Task<long> TakeEpochAsync(string sessionId, CancellationToken cancellationToken) =>
        ScalarAsync(
            "UPDATE sessions SET epoch = epoch + 1, should_be_online = 1, updated_at = @now WHERE session_id = @id RETURNING epoch",
            cancellationToken,
            ("@id", sessionId),
            ("@now", Now()));

    /// <summary>Reads the session's current fencing epoch.</summary>
    public Task<long> ReadEpochAsync(string sessionId, CancellationToken cancellationToken) =>
        ScalarAsync("SELECT epoch FROM sessions WHERE session_id = @id", cancellationToken, ("@id", sessionId));

    /// <summary>
    /// Writes the status if <paramref name="epoch"/> is still the session's epoch; returns false when
    /// a newer activation took over, so a fenced activation never overwrites its successor.
    /// </summary>
    public async Task<bool> SaveStatusAsync(string sessionId, long epoch, SessionStatus status, bool shouldBeOnline, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            "UPDATE sessions SET status = @status, reason = @reason, me_jid = @me, me_lid = @lid, should_be_online = @online, updated_at = @now WHERE session_id = @id AND epoch = @epoch",
            cancellationToken,
            ("@id", sessionId),
            ("@epoch", epoch),
            ("@status", SessionStateNames.ToApi(status.State)),
            ("@reason", status.Reason),
            ("@me", status.MeJid),
            ("@lid", status.MeLid),
            ("@online", shouldBeOnline ? 1 : 0),
            ("@now", Now())).ConfigureAwait(false) == 1;

    /// <summary>Lists the sessions that should be online, for the silo to bring back.</summary>
    public async Task<IReadOnlyList<string>> ListShouldBeOnlineAsync(CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand(null, "SELECT session_id FROM sessions WHERE should_be_online = 1 ORDER BY session_id");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ids.Add(reader.GetString(0));
            }
        }

        return ids;
    }

    /// <summary>Gets the tenant's limits, or null when the tenant does not exist.</summary>
    public async Task<TenantLimits?> LoadTenantAsync(string tenantId, CancellationToken cancellationToken)
    {
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand(null, "SELECT max_sessions, daily_message_limit FROM tenants WHERE tenant_id = @tenant")
                .With("@tenant", tenantId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new TenantLimits(NullableNumber(reader, 0), NullableNumber(reader, 1))
                : null;
        }
    }

    /// <summary>
    /// Reads the daily message limits of a session and of its tenant in one statement (null: none
    /// set), for the check before every send; null when the session row is gone.
    /// </summary>
    public async Task<DailyLimits?> LoadDailyLimitsAsync(string sessionId, CancellationToken cancellationToken)
    {
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand(null,
                    "SELECT s.daily_limit, t.daily_message_limit FROM sessions s LEFT JOIN tenants t ON t.tenant_id = s.tenant_id WHERE s.session_id = @id")
                .With("@id", sessionId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new DailyLimits(NullableNumber(reader, 0), NullableNumber(reader, 1))
                : null;
        }
    }

    /// <summary>Counts the sessions of a tenant.</summary>
    public Task<long> CountAsync(string tenantId, CancellationToken cancellationToken) =>
        ScalarAsync("SELECT COUNT(*) FROM sessions WHERE tenant_id = @tenant", cancellationToken, ("@tenant", tenantId));

    /// <summary>Lists sessions of one tenant, or of all when <paramref name="tenantId"/> is null, by id.</summary>
    public async Task<IReadOnlyList<SessionStatus>> ListAsync(string? tenantId, CancellationToken cancellationToken)
    {
        var list = new List<SessionStatus>();
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand(null, SelectSql + (tenantId is null ? "" : " WHERE tenant_id = @tenant") + " ORDER BY session_id");
            if (tenantId is not null)
            {
                command.With("@tenant", tenantId);
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var row = ReadRow(reader);
                list.Add(row.ToStatus(reader.GetString(0)));
            }
        }

        return list;
    }

    /// <summary>Changes the session's display name.</summary>
    public Task UpdateNameAsync(string sessionId, string name, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE sessions SET name = @name, updated_at = @now WHERE session_id = @id", cancellationToken, ("@id", sessionId), ("@name", name), ("@now", Now()));

    /// <summary>Deletes the session's row.</summary>
    public Task DeleteAsync(string sessionId, CancellationToken cancellationToken) =>
        ExecuteAsync("DELETE FROM sessions WHERE session_id = @id", cancellationToken, ("@id", sessionId));

    private static SessionRow ReadRow(DbDataReader reader) => new(
        SessionStateNames.FromApi(reader.GetString(1)),
        NullableString(reader, 2),
        NullableString(reader, 3),
        NullableString(reader, 4),
        Convert.ToInt64(reader.GetValue(5), System.Globalization.CultureInfo.InvariantCulture) != 0,
        Convert.ToInt64(reader.GetValue(6), System.Globalization.CultureInfo.InvariantCulture),
        reader.GetString(7),
        NullableString(reader, 8),
        DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(reader.GetValue(9), System.Globalization.CultureInfo.InvariantCulture)),
        NullableNumber(reader, 10));

    private static long? NullableNumber(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Convert.ToInt64(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();

    private static string? NullableString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = Build(connection, sql, parameters);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<long> ScalarAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = Build(connection, sql, parameters);
            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException("the session does not exist");
            return Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private static DbCommand Build(DbConnection connection, string sql, (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand(null, sql);
        foreach (var (name, value) in parameters)
        {
            command.With(name, value ?? DBNull.Value);
        }

        return command;
    }
}

/// <summary>The API words of <see cref="SessionState"/>, as stored in the <c>sessions</c> table.</summary>
internal static class SessionStateNames
{
    /// <summary>Gets the API word of a state (<c>pairing_code</c>, <c>logged_out</c>, …).</summary>
    public static string ToApi(SessionState state) => state switch
    {
        SessionState.Created => "created",
        SessionState.Connecting => "connecting",
        SessionState.Qr => "qr",
        SessionState.PairingCode => "pairing_code",
        SessionState.Connected => "connected",
        SessionState.Disconnected => "disconnected",
        SessionState.LoggedOut => "logged_out",
        SessionState.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "unknown session state"),
    };

    /// <summary>Parses an API word back into a state.</summary>
    public static SessionState FromApi(string word) =>
        Enum.GetValues<SessionState>().FirstOrDefault(s => ToApi(s) == word, SessionState.Failed);
}

using System.Data.Common;
using WaOrleans.Grains.Storage;

namespace WaOrleans.Grains.Sessions;

/// <summary>A session's row in the <c>sessions</c> table.</summary>
internal sealed record SessionRow(SessionState State, string? Reason, string? MeJid, string? MeLid, bool ShouldBeOnline, long Epoch);

/// <summary>
/// The application tables of the sessions (<c>sessions</c>, <c>outbound_messages</c>), in the same
/// database as their Signal state. Every statement is portable between SQLite and PostgreSQL.
/// </summary>
internal sealed class SessionTable(DeviceStorage storage, TimeProvider time)
{
    private const string StatusSent = "sent";
    private const string StatusFailed = "failed";

    /// <summary>The status of an outbound message persisted but not yet acknowledged by the server.</summary>
    public const string StatusPending = "pending";

    /// <summary>Inserts the session's row unless it exists.</summary>
    public Task CreateAsync(string sessionId, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "INSERT INTO sessions (session_id, status, updated_at) VALUES (@id, @status, @now) ON CONFLICT (session_id) DO NOTHING",
            cancellationToken,
            ("@id", sessionId),
            ("@status", SessionStateNames.ToApi(SessionState.Created)),
            ("@now", Now()));

    /// <summary>Reads the session's row, or null when the session was never created.</summary>
    public async Task<SessionRow?> LoadAsync(string sessionId, CancellationToken cancellationToken)
    {
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand(null, "SELECT status, reason, me_jid, me_lid, should_be_online, epoch FROM sessions WHERE session_id = @id")
                .With("@id", sessionId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            return new SessionRow(
                SessionStateNames.FromApi(reader.GetString(0)),
                NullableString(reader, 1),
                NullableString(reader, 2),
                NullableString(reader, 3),
                Convert.ToInt64(reader.GetValue(4), System.Globalization.CultureInfo.InvariantCulture) != 0,
                Convert.ToInt64(reader.GetValue(5), System.Globalization.CultureInfo.InvariantCulture));
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

    /// <summary>Finds the first result of an earlier send with the same idempotency key.</summary>
    public async Task<SendTextResult?> FindByIdempotencyKeyAsync(string sessionId, string key, CancellationToken cancellationToken)
    {
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand(null, "SELECT message_id, status, reason FROM outbound_messages WHERE session_id = @id AND idempotency_key = @key")
                .With("@id", sessionId)
                .With("@key", key);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new SendTextResult { MessageId = reader.GetString(0), Status = reader.GetString(1), Reason = NullableString(reader, 2), Replayed = true }
                : null;
        }
    }

    /// <summary>Persists an outbound message as pending, before it is sent.</summary>
    public Task InsertPendingAsync(string sessionId, string messageId, string? idempotencyKey, string recipient, CancellationToken cancellationToken)
    {
        var now = Now();
        return ExecuteAsync(
            "INSERT INTO outbound_messages (session_id, message_id, idempotency_key, recipient, status, created_at, updated_at) VALUES (@id, @msg, @key, @to, @status, @now, @now)",
            cancellationToken,
            ("@id", sessionId),
            ("@msg", messageId),
            ("@key", idempotencyKey),
            ("@to", recipient),
            ("@status", StatusPending),
            ("@now", now));
    }

    /// <summary>Records that the server accepted the message (<paramref name="failure"/> null) or why it failed.</summary>
    public Task CompleteAsync(string sessionId, string messageId, string? failure, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE outbound_messages SET status = @status, reason = @reason, updated_at = @now WHERE session_id = @id AND message_id = @msg",
            cancellationToken,
            ("@id", sessionId),
            ("@msg", messageId),
            ("@status", failure is null ? StatusSent : StatusFailed),
            ("@reason", failure),
            ("@now", Now()));

    /// <summary>The status word <see cref="CompleteAsync"/> writes for the outcome.</summary>
    public static string OutcomeStatus(string? failure) => failure is null ? StatusSent : StatusFailed;

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

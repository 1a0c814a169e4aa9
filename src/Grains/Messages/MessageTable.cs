using System.Data.Common;
using System.Globalization;
using WaOrleans.Grains.Storage;

namespace WaOrleans.Grains.Messages;

/// <summary>A row of the <c>messages</c> table: the API's record plus what only the gateway needs.</summary>
/// <param name="Record">The record the API shows.</param>
/// <param name="TenantId">The tenant owning the session.</param>
/// <param name="FromMe">Whether the linked number sent it (from this gateway or from the phone).</param>
/// <param name="Content">The protobuf <c>Message</c> bytes, or null before an outbound message is built.</param>
/// <param name="Attempts">How many times an outbound message was handed to the connection.</param>
/// <param name="ChatNumber">The number JID the session's LID mappings give the row's <c>@lid</c> chat, when known.</param>
internal sealed record LoggedMessage(MessageRecord Record, string TenantId, bool FromMe, byte[]? Content, int Attempts, string? ChatNumber = null)
{
    /// <summary>
    /// Gets the record as the log shows it: a LID chat with a known number under the number, the LID
    /// kept in <see cref="MessageRecord.ChatLid"/>. <see cref="Record"/> stays the stored spelling,
    /// which is what the session addresses replies and reactions to.
    /// </summary>
    public MessageRecord Shown => ChatNumber is { } number ? Record with { Chat = number, ChatLid = Record.Chat } : Record;
}

/// <summary>The words of the <c>direction</c> and <c>status</c> columns.</summary>
internal static class MessageWords
{
    public const string In = "in";
    public const string Out = "out";
    public const string Pending = "pending";
    public const string Sent = "sent";
    public const string Delivered = "delivered";
    public const string Read = "read";
    public const string Failed = "failed";
    public const string Received = "received";

    /// <summary>Gets every status word, for validating filters.</summary>
    public static IReadOnlyList<string> Statuses { get; } = [Pending, Sent, Delivered, Read, Failed, Received];

    /// <summary>The statuses an outbound message may move forward from to reach <paramref name="status"/> (never backwards).</summary>
    public static IReadOnlyList<string> Before(string status) => status switch
    {
        Sent => [Pending],
        Delivered => [Pending, Sent],
        Read => [Pending, Sent, Delivered],
        _ => [],
    };
}

/// <summary>
/// The <c>messages</c> table: the log of every message a session sent or received. Statements are
/// portable between SQLite and PostgreSQL; times are Unix milliseconds.
/// </summary>
internal sealed class MessageTable(DeviceStorage storage)
{
    private const string Columns =
        "session_id, message_id, direction, tenant_id, chat, status, type, text, sender_jid, sender_phone, sender_lid, push_name, is_group, from_me, " +
        "quoted_id, mime_type, media_size, file_name, reason, idempotency_key, content, timestamp, created_at, updated_at, attempts";

    /// <summary>
    /// The stored columns plus the number JID a LID chat maps to (null for any other chat), read last
    /// as <see cref="LoggedMessage.ChatNumber"/>.
    /// </summary>
    private const string ReadColumns = Columns +
        ", (SELECT phone_user FROM lid_mappings m WHERE m.session_id = messages.session_id AND m.lid_user = messages.chat) AS chat_number";

    private const string CountTenantSentSql = "SELECT COUNT(*) FROM messages WHERE tenant_id = @tenant AND direction = 'out' AND created_at >= @since AND status <> 'failed'";

    private const string InsertSql =
        "INSERT INTO messages (" + Columns + ") VALUES (@session, @id, @direction, @tenant, @chat, @status, @type, @text, @sender, @phone, @lid, @push, " +
        "@group, @me, @quoted, @mime, @size, @file, @reason, @key, @content, @ts, @now, @now, @attempts) ON CONFLICT DO NOTHING";

    /// <summary>
    /// Matches the rows of chat <c>@chat</c> under either spelling: a contact's chat may be stored
    /// under its number or its LID (WhatsApp moved 1:1 chats to LIDs), and the session's LID
    /// mappings join the two.
    /// </summary>
    private const string ChatMatchSql = "(chat = @chat"
        + " OR chat IN (SELECT lid_user FROM lid_mappings WHERE session_id = @session AND phone_user = @chat)"
        + " OR chat IN (SELECT phone_user FROM lid_mappings WHERE session_id = @session AND lid_user = @chat))";

    /// <summary>Gets the storage the table lives in.</summary>
    public DeviceStorage Storage => storage;

    /// <summary>Inserts a row unless one with its key (or its idempotency key) exists; returns whether it was inserted.</summary>
    public static async Task<bool> InsertAsync(DbConnection connection, DbTransaction? transaction, LoggedMessage message, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var r = message.Record;
        await using var command = connection.CreateCommand(transaction, InsertSql)
            .With("@session", r.SessionId)
            .With("@id", r.MessageId)
            .With("@direction", r.Direction)
            .With("@tenant", message.TenantId)
            .With("@chat", r.Chat)
            .With("@status", r.Status)
            .With("@type", r.Type)
            .With("@text", (object?)r.Text ?? DBNull.Value)
            .With("@sender", (object?)r.SenderJid ?? DBNull.Value)
            .With("@phone", (object?)r.SenderPhone ?? DBNull.Value)
            .With("@lid", (object?)r.SenderLid ?? DBNull.Value)
            .With("@push", (object?)r.PushName ?? DBNull.Value)
            .With("@group", r.IsGroup ? 1 : 0)
            .With("@me", message.FromMe ? 1 : 0)
            .With("@quoted", (object?)r.QuotedId ?? DBNull.Value)
            .With("@mime", (object?)r.MimeType ?? DBNull.Value)
            .With("@size", (object?)r.MediaSize ?? DBNull.Value)
            .With("@file", (object?)r.FileName ?? DBNull.Value)
            .With("@reason", (object?)r.Reason ?? DBNull.Value)
            .With("@key", (object?)r.IdempotencyKey ?? DBNull.Value)
            .With("@content", (object?)message.Content ?? DBNull.Value)
            .With("@ts", r.Timestamp.ToUnixTimeMilliseconds())
            .With("@now", now.ToUnixTimeMilliseconds())
            .With("@attempts", message.Attempts);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Finds the row an idempotency key created.</summary>
    public Task<LoggedMessage?> FindByIdempotencyKeyAsync(string sessionId, string key, CancellationToken cancellationToken) =>
        FindOneAsync("session_id = @session AND idempotency_key = @key", cancellationToken, ("@session", sessionId), ("@key", key));

    /// <summary>Finds a message by id, preferring the outbound row when both directions share the id.</summary>
    public Task<LoggedMessage?> FindAsync(string sessionId, string messageId, CancellationToken cancellationToken) =>
        FindOneAsync("session_id = @session AND message_id = @id ORDER BY direction DESC", cancellationToken, ("@session", sessionId), ("@id", messageId));

    /// <summary>Stores the built content of an outbound message and counts one more attempt, inside the caller's transaction.</summary>
    public static async Task SaveAttemptAsync(DbConnection connection, DbTransaction? transaction, string sessionId, string messageId, byte[] content, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand(
                transaction,
                "UPDATE messages SET content = @content, attempts = attempts + 1, updated_at = @now WHERE session_id = @session AND message_id = @id AND direction = 'out'")
            .With("@session", sessionId)
            .With("@id", messageId)
            .With("@content", content)
            .With("@now", now.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Moves an outbound message forward to <paramref name="status"/> (never backwards; <c>failed</c>
    /// only from pending) inside the caller's transaction; returns whether the row changed.
    /// </summary>
    public static async Task<bool> AdvanceAsync(DbConnection connection, DbTransaction? transaction, string sessionId, string messageId, string status, string? reason,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> from = status == MessageWords.Failed ? [MessageWords.Pending] : MessageWords.Before(status);
        if (from.Count == 0)
        {
            return false;
        }

        var placeholders = string.Join(", ", from.Select((_, i) => "@from" + i.ToString(CultureInfo.InvariantCulture)));
        await using var command = connection.CreateCommand(
                transaction,
                $"UPDATE messages SET status = @status, reason = @reason, updated_at = @now WHERE session_id = @session AND message_id = @id AND direction = 'out' AND status IN ({placeholders})")
            .With("@status", status)
            .With("@reason", (object?)reason ?? DBNull.Value)
            .With("@now", now.ToUnixTimeMilliseconds())
            .With("@session", sessionId)
            .With("@id", messageId);
        for (var i = 0; i < from.Count; i++)
        {
            command.With("@from" + i.ToString(CultureInfo.InvariantCulture), from[i]);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Counts outbound messages accepted since a time (failed ones do not count), for one session or a whole tenant.</summary>
    public async Task<long> CountSentAsync(string tenantId, string? sessionId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var sql = CountTenantSentSql + (sessionId is null ? "" : " AND session_id = @session");
            await using var command = connection.CreateCommand(null, sql)
                .With("@tenant", tenantId)
                .With("@since", since.ToUnixTimeMilliseconds());
            if (sessionId is not null)
            {
                command.With("@session", sessionId);
            }

            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }
    }

    /// <summary>
    /// Counts, inside a write transaction, the tenant's messages sent since <paramref name="since"/>
    /// (failed ones aside) for a daily limit that must hold under concurrent sends: on PostgreSQL it
    /// first locks the tenant's row, so the tenant's checking transactions run one after another and
    /// each counts the rows of those before it; SQLite's writers take turns already.
    /// </summary>
    public static async Task<long> CountTenantSentForLimitAsync(DbConnection connection, DbTransaction transaction, bool postgres, string tenantId, DateTimeOffset since,
        CancellationToken cancellationToken)
    {
        if (postgres)
        {
            await using var tenantLock = connection.CreateCommand(transaction, "SELECT 1 FROM tenants WHERE tenant_id = @tenant FOR UPDATE").With("@tenant", tenantId);
            await tenantLock.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var command = connection.CreateCommand(transaction, CountTenantSentSql)
            .With("@tenant", tenantId)
            .With("@since", since.ToUnixTimeMilliseconds());
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <summary>Gets a page of a session's log, newest first, after the (timestamp, id, direction) position of the cursor.</summary>
    public async Task<IReadOnlyList<LoggedMessage>> QueryAsync(string sessionId, MessageQuery query, MessageCursor? after, int take, CancellationToken cancellationToken)
    {
        var where = new List<string> { "session_id = @session" };
        var parameters = new List<(string, object?)> { ("@session", sessionId) };
        if (query.Direction is { } direction)
        {
            where.Add("direction = @direction");
            parameters.Add(("@direction", direction));
        }

        if (query.Status is { } status)
        {
            where.Add("status = @status");
            parameters.Add(("@status", status));
        }

        if (query.Chat is { } chat)
        {
            // A contact's chat may be stored under its number or under its LID (WhatsApp moved 1:1
            // chats to LIDs): the session's LID mappings make either spelling find both.
            where.Add(ChatMatchSql);
            parameters.Add(("@chat", chat));
        }

        if (query.Since is { } since)
        {
            where.Add("timestamp >= @since");
            parameters.Add(("@since", since.ToUnixTimeMilliseconds()));
        }

        if (after is { } cursor)
        {
            // Row values compare lexicographically on both providers.
            where.Add("(timestamp, message_id, direction) < (@cts, @cid, @cdir)");
            parameters.Add(("@cts", cursor.Timestamp));
            parameters.Add(("@cid", cursor.MessageId));
            parameters.Add(("@cdir", cursor.Direction));
        }

        var sql = $"SELECT {ReadColumns} FROM messages WHERE {string.Join(" AND ", where)} ORDER BY timestamp DESC, message_id DESC, direction DESC LIMIT {take.ToString(CultureInfo.InvariantCulture)}";
        return await ReadManyAsync(sql, cancellationToken, [.. parameters]).ConfigureAwait(false);
    }

    /// <summary>Gets the chats of a session, most recent first, with their last message and size.</summary>
    public async Task<IReadOnlyList<ChatSummary>> GetChatsAsync(string sessionId, int limit, CancellationToken cancellationToken)
    {
        var chats = new List<(string Chat, long Count, long Last)>();
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // A LID chat with a known number is listed under the number, with the number's own rows.
            await using var command = connection.CreateCommand(
                    null,
                    "SELECT c, COUNT(*), MAX(timestamp) FROM (SELECT COALESCE((SELECT phone_user FROM lid_mappings m WHERE m.session_id = @session AND m.lid_user = messages.chat), chat) AS c, "
                    + $"timestamp FROM messages WHERE session_id = @session) t GROUP BY c ORDER BY MAX(timestamp) DESC LIMIT {limit.ToString(CultureInfo.InvariantCulture)}")
                .With("@session", sessionId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                chats.Add((reader.GetString(0), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture)));
            }
        }

        var summaries = new List<ChatSummary>(chats.Count);
        foreach (var (chat, count, _) in chats)
        {
            var last = await FindOneAsync("session_id = @session AND " + ChatMatchSql + " ORDER BY timestamp DESC, message_id DESC", cancellationToken, ("@session", sessionId), ("@chat", chat))
                .ConfigureAwait(false);
            var name = await FindOneAsync("session_id = @session AND " + ChatMatchSql + " AND direction = 'in' AND push_name IS NOT NULL AND from_me = 0 ORDER BY timestamp DESC", cancellationToken,
                ("@session", sessionId), ("@chat", chat)).ConfigureAwait(false);
            summaries.Add(new ChatSummary
            {
                Chat = chat,
                IsGroup = last?.Record.IsGroup ?? chat.EndsWith("@g.us", StringComparison.Ordinal),
                Name = name?.Record.PushName,
                LastMessage = last?.Shown,
                MessageCount = count,
            });
        }

        return summaries;
    }

    /// <summary>Deletes every message of a session.</summary>
    public Task DeleteSessionAsync(string sessionId, CancellationToken cancellationToken) =>
        ExecuteAsync(null, null, "DELETE FROM messages WHERE session_id = @session", cancellationToken, ("@session", sessionId));

    private async Task<LoggedMessage?> FindOneAsync(string condition, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        var rows = await ReadManyAsync($"SELECT {ReadColumns} FROM messages WHERE {condition} LIMIT 1", cancellationToken, parameters).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    private async Task<List<LoggedMessage>> ReadManyAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var rows = new List<LoggedMessage>();
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand(null, sql);
            foreach (var (name, value) in parameters)
            {
                command.With(name, value ?? DBNull.Value);
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(Read(reader));
            }
        }

        return rows;
    }

    private static LoggedMessage Read(DbDataReader reader)
    {
        var content = reader.IsDBNull(20) ? null : (byte[])reader.GetValue(20);
        var mime = Text(reader, 15);
        var record = new MessageRecord
        {
            SessionId = reader.GetString(0),
            MessageId = reader.GetString(1),
            Direction = reader.GetString(2),
            Chat = reader.GetString(4),
            Status = reader.GetString(5),
            Type = reader.GetString(6),
            Text = Text(reader, 7),
            SenderJid = Text(reader, 8),
            SenderPhone = Text(reader, 9),
            SenderLid = Text(reader, 10),
            PushName = Text(reader, 11),
            IsGroup = Number(reader, 12) != 0,
            QuotedId = Text(reader, 14),
            MimeType = mime,
            MediaSize = reader.IsDBNull(16) ? null : Number(reader, 16),
            FileName = Text(reader, 17),
            Reason = Text(reader, 18),
            IdempotencyKey = Text(reader, 19),
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(Number(reader, 21)),
            UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(Number(reader, 23)),
            HasMedia = mime is not null && content is not null,
        };
        return new LoggedMessage(record, reader.GetString(3), Number(reader, 13) != 0, content, (int)Number(reader, 24), Text(reader, 25));
    }

    private static string? Text(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static long Number(DbDataReader reader, int ordinal) => Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    private async Task<int> ExecuteAsync(DbConnection? connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var own = connection is null ? await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false) : null;
        try
        {
            await using var command = (connection ?? own!).CreateCommand(transaction, sql);
            foreach (var (name, value) in parameters)
            {
                command.With(name, value ?? DBNull.Value);
            }

            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (own is not null)
            {
                await own.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}

/// <summary>A position in the log (the last row of a page), encoded as an opaque base64 string.</summary>
internal readonly record struct MessageCursor(long Timestamp, string MessageId, string Direction)
{
    /// <summary>Encodes the position.</summary>
    public string Encode() =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{Timestamp.ToString(CultureInfo.InvariantCulture)}|{Direction}|{MessageId}"));

    /// <summary>Decodes a cursor; null when it is not one this gateway made.</summary>
    public static MessageCursor? TryDecode(string cursor)
    {
        try
        {
            var text = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            var parts = text.Split('|', 3);
            return parts.Length == 3 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ts) && parts[1] is MessageWords.In or MessageWords.Out
                ? new MessageCursor(ts, parts[2], parts[1])
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

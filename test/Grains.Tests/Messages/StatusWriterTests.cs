using WaOrleans.Grains.Events;
using WaOrleans.Grains.Messages;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Storage.Sqlite;
using WaOrleans.Grains.Tests.Support;

namespace WaOrleans.Grains.Tests.Messages;

/// <summary>
/// The silo's status writer: changes arriving together from many sessions share a transaction
/// (counted by the database: SQLite's commit hook, PostgreSQL's transaction ids on the event
/// rows), statuses still only move forward, and each session's events keep their order.
/// </summary>
public abstract class StatusWriterTests
{
    private const int SessionCount = 4;
    private const int MessagesPerSession = 10;

    /// <summary>Gets the storage under test.</summary>
    protected abstract DeviceStorage Storage { get; }

    /// <summary>Counts the transactions that stored the sessions' events, or the commits since <paramref name="since"/>.</summary>
    protected abstract Task<long> CountCommitsAsync(IReadOnlyList<string> sessions, long since);

    /// <summary>Gets the provider's commit counter now (0 where it counts otherwise).</summary>
    protected abstract long CommitsNow();

    [Fact]
    public async Task Changes_of_many_sessions_arriving_together_share_transactions_and_keep_their_order()
    {
        var writer = new StatusWriter(Storage, new EventOutbox(Storage));
        var run = Guid.NewGuid().ToString("N")[..8];
        var sessions = Enumerable.Range(0, SessionCount).Select(i => $"batch-{run}-{i}").ToList();
        var messages = sessions.SelectMany(s => Enumerable.Range(0, MessagesPerSession).Select(i => (Session: s, Id: $"3EB0{run}{i:D4}"))).ToList();
        await InsertPendingAsync(messages);
        var since = CommitsNow();

        // Every message gets its ack, then its receipt; all messages at once, as a busy silo sees
        // them: another writer holds the database while they arrive (on an idle machine the writer
        // would otherwise finish each change before the next one comes, with nothing to share).
        await WhileDatabaseBusyAsync(messages.Select(m => Change(m.Session, m.Id, MessageWords.Sent, GatewayEventTypes.MessageSent)));
        await WhileDatabaseBusyAsync(messages.Select(m => Change(m.Session, m.Id, MessageWords.Delivered, GatewayEventTypes.MessageDelivered)));

        async Task WhileDatabaseBusyAsync(IEnumerable<StatusChange> changes)
        {
            Task<bool[]> advanced;
            var busy = await Storage.OpenConnectionAsync();
            await using (busy)
            {
                var held = await Storage.BeginTransactionAsync(busy);
                await using (held)
                {
                    advanced = Task.WhenAll(changes.Select(writer.AdvanceAsync));
                    await Task.Delay(100);
                    await held.CommitAsync();
                }
            }

            Assert.All(await advanced, Assert.True);
        }

        var changes = messages.Count * 2;
        var commits = await CountCommitsAsync(sessions, since);
        Assert.InRange(commits, 2, changes / 2);
        Assert.InRange(writer.Transactions, 2, changes / 2);
        foreach (var (session, id) in messages)
        {
            Assert.Equal("delivered", await ScalarTextAsync("SELECT status FROM messages WHERE session_id = @s AND message_id = @id", session, id));
            // The receipt's event follows the ack's in the session's order (webhooks deliver in this order).
            var sent = await ScalarNumberAsync("SELECT sequence FROM events WHERE session_id = @s AND type = 'message.sent' AND data LIKE '%' || @id || '%'", session, id);
            var delivered = await ScalarNumberAsync("SELECT sequence FROM events WHERE session_id = @s AND type = 'message.delivered' AND data LIKE '%' || @id || '%'", session, id);
            Assert.True(sent < delivered, $"{id}: sent event {sent} after delivered event {delivered}");
        }
    }

    [Fact]
    public async Task An_ack_after_the_receipt_does_not_move_the_status_back_but_its_event_is_raised()
    {
        var writer = new StatusWriter(Storage, new EventOutbox(Storage));
        var session = "late-ack-" + Guid.NewGuid().ToString("N");
        var id = "3EB0LATEACK" + Guid.NewGuid().ToString("N")[..8];
        await InsertPendingAsync([(session, id)]);

        var read = writer.AdvanceAsync(Change(session, id, MessageWords.Read, GatewayEventTypes.MessageRead));
        var delivered = writer.AdvanceAsync(Change(session, id, MessageWords.Delivered, GatewayEventTypes.MessageDelivered));
        var sent = writer.AdvanceAsync(Change(session, id, MessageWords.Sent, GatewayEventTypes.MessageSent));

        Assert.True(await read);
        Assert.False(await delivered);
        Assert.False(await sent);
        Assert.Equal("read", await ScalarTextAsync("SELECT status FROM messages WHERE session_id = @s AND message_id = @id", session, id));
        Assert.Equal(1, await ScalarNumberAsync("SELECT COUNT(*) FROM events WHERE session_id = @s AND type = 'message.sent' AND data LIKE '%' || @id || '%'", session, id));
        Assert.Equal(0, await ScalarNumberAsync("SELECT COUNT(*) FROM events WHERE session_id = @s AND type = 'message.delivered' AND data LIKE '%' || @id || '%'", session, id));
    }

    private static StatusChange Change(string session, string id, string status, string type) =>
        new("default", session, id, "15550108002@s.whatsapp.net", status, null, type, DateTimeOffset.UtcNow);

    private async Task InsertPendingAsync(IReadOnlyList<(string Session, string Id)> messages)
    {
        var connection = await Storage.OpenConnectionAsync();
        await using (connection)
        {
            var transaction = await Storage.BeginTransactionAsync(connection);
            await using (transaction)
            {
                var now = DateTimeOffset.UtcNow;
                foreach (var (session, id) in messages)
                {
                    var record = new MessageRecord
                    {
                        SessionId = session,
                        MessageId = id,
                        Direction = MessageWords.Out,
                        Chat = "15550108002@s.whatsapp.net",
                        Status = MessageWords.Pending,
                        Type = "text",
                        Text = "batched",
                        Timestamp = now,
                        UpdatedAt = now,
                    };
                    Assert.True(await MessageTable.InsertAsync(connection, transaction, new LoggedMessage(record, "default", FromMe: true, Content: null, Attempts: 1), now, default));
                }

                await transaction.CommitAsync();
            }
        }
    }

    /// <summary>Runs a scalar query with <c>@s</c> and <c>@id</c>.</summary>
    protected async Task<object?> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        var connection = await Storage.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand(null, sql);
            foreach (var (name, value) in parameters)
            {
                command.With(name, value);
            }

            return await command.ExecuteScalarAsync();
        }
    }

    private async Task<string?> ScalarTextAsync(string sql, string session, string id) => (string?)await ScalarAsync(sql, ("@s", session), ("@id", id));

    private async Task<long> ScalarNumberAsync(string sql, string session, string id) =>
        Convert.ToInt64(await ScalarAsync(sql, ("@s", session), ("@id", id)), System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The status writer on SQLite, counting commits with SQLite's commit hook.</summary>
public sealed class SqliteStatusWriterTests(SqliteStorageFixture fixture) : StatusWriterTests, IClassFixture<SqliteStorageFixture>
{
    /// <inheritdoc/>
    protected override DeviceStorage Storage => fixture.Storage;

    /// <inheritdoc/>
    protected override long CommitsNow() => ((SqliteStorage)fixture.Storage).Commits;

    /// <inheritdoc/>
    protected override Task<long> CountCommitsAsync(IReadOnlyList<string> sessions, long since) => Task.FromResult(CommitsNow() - since);
}

/// <summary>The status writer on PostgreSQL, counting the distinct transactions that stored the event rows.</summary>
[Trait("Category", "Postgres")]
public sealed class PostgresStatusWriterTests(PostgresStorageFixture fixture) : StatusWriterTests, IClassFixture<PostgresStorageFixture>
{
    /// <inheritdoc/>
    protected override DeviceStorage Storage => fixture.Storage;

    /// <inheritdoc/>
    protected override long CommitsNow() => 0;

    /// <inheritdoc/>
    protected override async Task<long> CountCommitsAsync(IReadOnlyList<string> sessions, long since) =>
        Convert.ToInt64(await ScalarAsync($"SELECT COUNT(DISTINCT xmin::text) FROM events WHERE session_id IN ({string.Join(", ", sessions.Select(s => $"'{s}'"))})"),
            System.Globalization.CultureInfo.InvariantCulture);
}

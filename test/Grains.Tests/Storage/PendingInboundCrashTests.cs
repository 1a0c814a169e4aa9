using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using WaOrleans.Grains.Events;
using WaOrleans.Grains.Messages;
using WaOrleans.Grains.Sessions;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Storage.Sqlite;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Signal.Stores;
using WaOrleans.Simulator;
using WaOrleans.Simulator.Tests.Support;

namespace WaOrleans.Grains.Tests.Storage;

/// <summary>
/// Durability rule 1 on SQLite: a WaClient dies after decrypting a message and before acking it;
/// a new process opens the same data directory, delivers the message exactly once more and acks it.
/// With the gateway's recorder (<see cref="InboundRecorder.CommitReceivedAsync"/>) the message's log
/// row and event commit with the ratchet that decrypted it instead: one commit, no pending copy,
/// and the redelivery after a crash is acked without raising the message again.
/// </summary>
public sealed class PendingInboundCrashTests : IAsyncLifetime
{
    private const string Me = "15550105001";
    private const string Peer = "15550105002";
    private const string SessionId = "crash-session";
    private static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(30);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "waorleans-crash-" + Guid.NewGuid().ToString("N"));
    private WaSimServer _server = null!;
    private SimClient _sim = null!;

    public async Task InitializeAsync()
    {
        _server = await WaSimServer.StartAsync(new WaSimOptions());
        _sim = new SimClient(_server);
        await _sim.CreatePhoneAsync(Me);
        await _sim.CreatePhoneAsync(Peer);
    }

    public async Task DisposeAsync()
    {
        _sim.Dispose();
        await _server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_message_decrypted_before_the_process_died_is_delivered_once_more_from_the_database_and_acked()
    {
        string firstId;
        var storage = await SqliteStorage.OpenAsync(_directory);
        await using (storage)
        {
            var client = new WaClient(storage.ForSession(SessionId), Options());
            await using (client)
            {
                var events = Record(client);
                using var crashing = client.AddEventHandler((evt, _) =>
                    evt is MessageReceivedEvent ? throw new InvalidOperationException("process dies here") : ValueTask.CompletedTask);
                await client.StartAsync();
                var qr = await NextAsync<QrCodeEvent>(events);
                await _sim.PostOkAsync($"sim/phones/{Me}/scan", new { qr = qr.Code });
                await NextAsync<ConnectedEvent>(events);

                await _sim.PostOkAsync($"sim/phones/{Peer}/send", new { to = Me, text = "kept in sqlite" });
                firstId = (await NextAsync<MessageReceivedEvent>(events)).Id;
            }
        }

        // A new process: new storage, new client, same data directory.
        var reopened = await SqliteStorage.OpenAsync(_directory);
        await using (reopened)
        {
            var store = reopened.ForSession(SessionId);
            var client = new WaClient(store, Options());
            await using (client)
            {
                var events = Record(client);
                await client.StartAsync();
                var again = await NextAsync<MessageReceivedEvent>(events);
                Assert.Equal(firstId, again.Id);
                Assert.Equal("kept in sqlite", again.Message.Conversation);

                var pending = (IPendingInboundStore)await store.OpenSignalStoreAsync((await store.LoadCredentialsAsync())!);
                var deadline = DateTime.UtcNow + WaitTimeout;
                while ((await pending.ListPendingInboundAsync()).Count > 0)
                {
                    Assert.True(DateTime.UtcNow < deadline, "the pending message was not removed after its ack");
                    await Task.Delay(50);
                }

                await Task.Delay(500);
                Assert.False(events.Reader.TryRead(out var extra) && extra is MessageReceivedEvent, "the message came twice");
            }
        }
    }

    [Fact]
    public async Task A_received_message_is_one_commit_holding_the_ratchet_its_row_and_its_event_and_leaves_no_pending_copy()
    {
        var storage = await SqliteStorage.OpenAsync(_directory);
        await using (storage)
        {
            var (store, client, events) = Recording(storage);
            await using (client)
            {
                await PairAsync(client, events);

                // The first message sets up the Signal session (and the sender's LID); the second is the steady state.
                await ReceiveAndAckAsync(events, "first");
                await Task.Delay(300);
                // Nor does it look for a pending copy it never stored, or read the sender's identity
                // again (the contact repeats its prekey message until we answer): without the
                // tables, it still arrives.
                await ScalarAsync(storage, "ALTER TABLE signal_pending_inbound RENAME TO signal_pending_inbound_gone");
                await ScalarAsync(storage, "ALTER TABLE signal_identity_keys RENAME TO signal_identity_keys_gone");
                var before = storage.Commits;
                var second = await ReceiveAndAckAsync(events, "second");
                await Task.Delay(300);

                Assert.Equal(1, storage.Commits - before);
                Assert.True(second.IsRecorded);
                await ScalarAsync(storage, "ALTER TABLE signal_pending_inbound_gone RENAME TO signal_pending_inbound");
                await ScalarAsync(storage, "ALTER TABLE signal_identity_keys_gone RENAME TO signal_identity_keys");
                Assert.Empty(await PendingAsync(store));
                Assert.Equal(2, await ScalarAsync(storage, $"SELECT COUNT(*) FROM messages WHERE session_id = '{SessionId}' AND direction = 'in'"));
                Assert.Equal(2, await ScalarAsync(storage, $"SELECT COUNT(*) FROM events WHERE session_id = '{SessionId}' AND type = 'message.received'"));
            }
        }
    }

    [Fact]
    public async Task A_message_stored_with_its_decrypt_is_acked_after_the_process_died_before_the_ack_and_logged_once()
    {
        string id;
        var storage = await SqliteStorage.OpenAsync(_directory);
        await using (storage)
        {
            var (store, client, events) = Recording(storage);
            await using (client)
            {
                await PairAsync(client, events);
                await ReceiveAndAckAsync(events, "sets up the session");

                using var dying = client.AddEventHandler((evt, _) =>
                    evt is MessageReceivedEvent ? throw new InvalidOperationException("process dies here") : ValueTask.CompletedTask);
                id = await SendAsync("stored, never acked");
                Assert.Equal(id, (await NextAsync<MessageReceivedEvent>(events)).Id);
                await Task.Delay(500);
                Assert.Equal(1, await UndeliveredAsync());
            }
        }

        // A new process on the same data directory: WhatsApp delivers the message again, and the
        // moved ratchet cannot decrypt it; it was stored, so it is acked and not logged twice.
        var reopened = await SqliteStorage.OpenAsync(_directory);
        await using (reopened)
        {
            var (store, client, events) = Recording(reopened);
            await using (client)
            {
                await client.StartAsync();
                await NextAsync<ConnectedEvent>(events);
                await WaitUntilAsync(async () => await UndeliveredAsync() == 0, "the redelivered message is acked");
                await Task.Delay(500);

                Assert.False(events.Reader.TryRead(out var extra) && extra is MessageReceivedEvent, "the message was raised again");
                Assert.Equal(1, await ScalarAsync(reopened, $"SELECT COUNT(*) FROM messages WHERE session_id = '{SessionId}' AND message_id = '{id}'"));
                Assert.Equal(1, await ScalarAsync(reopened, $"SELECT COUNT(*) FROM events WHERE session_id = '{SessionId}' AND type = 'message.received' AND data LIKE '%{id}%'"));
                Assert.Empty(await PendingAsync(store));
            }
        }
    }

    private WaClientOptions Options() => new() { Endpoint = _server.WebSocketUri, RootKey = _server.RootPublicKey };

    /// <summary>A client whose received messages a session's recorder stores with their decrypt, as the gateway's are.</summary>
    private (SqlDeviceStore Store, WaClient Client, Channel<WaEvent> Events) Recording(SqliteStorage storage)
    {
        var store = storage.ForSession(SessionId);
        var client = new WaClient(store, Options());
        var outbox = new EventOutbox(storage);
        var recorder = new InboundRecorder(storage, outbox, new StatusWriter(storage, outbox), client, store.Lids, SessionId, "default", TimeProvider.System, NullLogger.Instance);
        client.CommitReceivedAsync = recorder.CommitReceivedAsync;
        return (store, client, Record(client));
    }

    private async Task PairAsync(WaClient client, Channel<WaEvent> events)
    {
        await client.StartAsync();
        var qr = await NextAsync<QrCodeEvent>(events);
        await _sim.PostOkAsync($"sim/phones/{Me}/scan", new { qr = qr.Code });
        await NextAsync<ConnectedEvent>(events);
    }

    private async Task<string> SendAsync(string text) =>
        (await _sim.PostOkAsync($"sim/phones/{Peer}/send", new { to = Me, text }))!["id"]!.GetValue<string>();

    private async Task<MessageReceivedEvent> ReceiveAndAckAsync(Channel<WaEvent> events, string text)
    {
        var id = await SendAsync(text);
        var received = await NextAsync<MessageReceivedEvent>(events);
        Assert.Equal((id, text), (received.Id, received.Message.Conversation));
        await WaitUntilAsync(async () => await UndeliveredAsync() == 0, $"the ack of {text}");
        return received;
    }

    private async Task<long> UndeliveredAsync() =>
        (await _sim.GetJsonAsync($"sim/phones/{Me}"))!["devices"]!.AsArray().Sum(d => d!["undelivered"]!.GetValue<int>());

    private static async Task<IReadOnlyList<PendingInbound>> PendingAsync(SqlDeviceStore store) =>
        await ((IPendingInboundStore)await store.OpenSignalStoreAsync((await store.LoadCredentialsAsync())!)).ListPendingInboundAsync();

    private static async Task<long> ScalarAsync(DeviceStorage storage, string sql)
    {
        var connection = await storage.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + WaitTimeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    private static Channel<WaEvent> Record(WaClient client)
    {
        var channel = Channel.CreateUnbounded<WaEvent>();
        client.AddEventHandler((evt, _) =>
        {
            channel.Writer.TryWrite(evt);
            return ValueTask.CompletedTask;
        });
        return channel;
    }

    private static async Task<T> NextAsync<T>(Channel<WaEvent> events)
        where T : WaEvent
    {
        using var timeout = new CancellationTokenSource(WaitTimeout);
        while (true)
        {
            if (await events.Reader.ReadAsync(timeout.Token) is T match)
            {
                return match;
            }
        }
    }
}

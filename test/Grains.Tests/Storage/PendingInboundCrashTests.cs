using System.Threading.Channels;
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

    private WaClientOptions Options() => new() { Endpoint = _server.WebSocketUri, RootKey = _server.RootPublicKey };

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

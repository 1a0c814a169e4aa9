using System.Text.Json.Nodes;
using Orleans.TestingHost;
using WaOrleans.Grains.Hosting;
using WaOrleans.Grains.Sessions;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Storage.Sqlite;
using WaOrleans.Protocol.Client;
using WaOrleans.Simulator;
using WaOrleans.Simulator.Tests.Support;

namespace WaOrleans.Grains.Tests.Sessions;

/// <summary>
/// The session grain on a one-silo test cluster with SQLite storage, against WaSim's simulated
/// phones: pairing by QR, sending, idempotency, and a restart on the same data directory.
/// </summary>
public sealed class SessionGrainTests : IAsyncLifetime
{
    private const string Me = "15550103001";
    private const string Peer = "15550103002";

    // Generous: a busy 2-core machine runs other test assemblies at the same time.
    private static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "waorleans-sessions-" + Guid.NewGuid().ToString("N"));
    private WaSimServer _server = null!;
    private SimClient _sim = null!;
    private InProcessTestCluster? _cluster;
    private DeviceStorage? _storage;

    public async Task InitializeAsync()
    {
        _server = await WaSimServer.StartAsync(new WaSimOptions());
        _sim = new SimClient(_server);
        await _sim.CreatePhoneAsync(Me);
        await _sim.CreatePhoneAsync(Peer);
    }

    public async Task DisposeAsync()
    {
        await StopClusterAsync();
        _sim.Dispose();
        await _server.DisposeAsync();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_session_pairs_by_qr_and_a_retried_idempotency_key_sends_once()
    {
        var session = await StartClusterAsync();
        var paired = await PairAsync(session);
        Assert.StartsWith(Me, paired.MeJid, StringComparison.Ordinal);

        var request = new SendTextRequest { To = Peer, Text = "hello from the grain", IdempotencyKey = "key-1" };
        var first = await session.SendTextAsync(request);
        var again = await session.SendTextAsync(request);

        Assert.Equal("sent", first.Status);
        Assert.False(first.Replayed);
        Assert.True(again.Replayed);
        Assert.Equal(first.MessageId, again.MessageId);
        var inbox = await WaitForInboxAsync(Peer, first.MessageId);
        Assert.Single(inbox, m => m!["text"]?.GetValue<string>() == "hello from the grain");

        var other = await session.SendTextAsync(request with { IdempotencyKey = "key-2", Text = "second" });
        Assert.NotEqual(first.MessageId, other.MessageId);
        await WaitForInboxAsync(Peer, other.MessageId);
    }

    [Fact]
    public async Task After_a_silo_restart_on_the_same_data_the_session_comes_back_connected_without_a_new_qr()
    {
        var paired = await PairAsync(await StartClusterAsync());
        await StopClusterAsync();
        await WaitUntilAsync(async () => !await DeviceOnlineAsync(), "the device to go offline with the silo");

        await StartClusterAsync();
        // Nobody calls the grain: the silo's startup resume must bring the device back by itself.
        await WaitUntilAsync(DeviceOnlineAsync, "the device to come back online after the restart");

        var session = _cluster!.Client.GetGrain<ISessionGrain>(Me);
        var status = await WaitForStateAsync(session, SessionState.Connected);
        Assert.Null(status.Qr);
        Assert.Equal(paired.MeJid, status.MeJid);
        Assert.Single((await _sim.GetJsonAsync($"sim/phones/{Me}"))["devices"]!.AsArray());
        var sent = await session.SendTextAsync(new SendTextRequest { To = Peer, Text = "after the restart" });
        await WaitForInboxAsync(Peer, sent.MessageId);
    }

    [Fact]
    public async Task A_startup_resume_whose_call_orleans_cancels_tries_again_and_the_silo_keeps_running()
    {
        await PairAsync(await StartClusterAsync());
        await StopClusterAsync();
        await WaitUntilAsync(async () => !await DeviceOnlineAsync(), "the device to go offline with the silo");

        // What Orleans does to a call whose placement meets a directory partition changing hands
        // while the cluster settles after a death (seen in the crash test): the call ends with an
        // OperationCanceledException although nothing in this silo is stopping.
        var cancelled = 0;
        await StartClusterAsync(silo => silo.AddOutgoingGrainCallFilter(async context =>
        {
            if (context.InterfaceMethod.Name == nameof(ISessionGrain.EnsureOnlineAsync) && Interlocked.Exchange(ref cancelled, 1) == 0)
            {
                throw new OperationCanceledException("placement cancelled while the directory changes hands");
            }

            await context.Invoke();
        }));

        await WaitUntilAsync(DeviceOnlineAsync, "the device to come back online although the first resume call was cancelled");
        Assert.Equal(1, Volatile.Read(ref cancelled));
        var session = _cluster!.Client.GetGrain<ISessionGrain>(Me);
        await WaitForStateAsync(session, SessionState.Connected);
        var sent = await session.SendTextAsync(new SendTextRequest { To = Peer, Text = "after the cancelled resume" });
        await WaitForInboxAsync(Peer, sent.MessageId);
    }

    [Fact]
    public async Task An_activation_that_sees_a_newer_epoch_closes_its_socket_without_reconnecting()
    {
        await PairAsync(await StartClusterAsync());

        // What a second activation on another silo does when it goes online.
        var connection = await _storage!.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"UPDATE sessions SET epoch = epoch + 1 WHERE session_id = '{Me}'";
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        await WaitUntilAsync(async () => !await DeviceOnlineAsync(), "the fenced activation to close its socket");
    }

    [Fact]
    public async Task A_440_from_a_stale_connection_does_not_leave_a_session_that_still_owns_its_epoch_offline()
    {
        var session = await StartClusterAsync();
        var paired = await PairAsync(session);

        // What a resumed, superseded activation's login does to the current one: WhatsApp closes
        // it with 440. Nobody took the epoch, so once the stale connection is gone (its own
        // fencing closes it) this activation takes the device back by itself.
        await _sim.PostOkAsync($"sim/devices/{paired.MeJid}/fault", new { kind = "stream-error", code = 440 }, 204);
        await WaitUntilAsync(async () => !await DeviceOnlineAsync(), "the replaced connection to close");
        await WaitUntilAsync(DeviceOnlineAsync, "the session to take its device back");
        var status = await WaitForStateAsync(session, SessionState.Connected);
        Assert.Null(status.Qr);
        var sent = await session.SendTextAsync(new SendTextRequest { To = Peer, Text = "after the 440" });
        await WaitForInboxAsync(Peer, sent.MessageId);
    }

    private async Task<ISessionGrain> StartClusterAsync(Action<ISiloBuilder>? configure = null)
    {
        var storage = await SqliteStorage.OpenAsync(_directory);
        _storage = storage;
        var options = new WaClientOptions
        {
            Endpoint = _server.WebSocketUri,
            RootKey = _server.RootPublicKey,
            ReconnectBaseDelay = TimeSpan.FromMilliseconds(50),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(400),
        };
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddWaSessions(storage, options);
            silo.UseInMemoryReminderService();
            configure?.Invoke(silo);
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        return _cluster.Client.GetGrain<ISessionGrain>(Me);
    }

    private async Task StopClusterAsync()
    {
        if (_cluster is { } cluster)
        {
            _cluster = null;
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }

        if (_storage is { } storage)
        {
            _storage = null;
            await storage.DisposeAsync();
        }
    }

    private async Task<SessionStatus> PairAsync(ISessionGrain session)
    {
        Assert.Equal(SessionState.Created, (await session.CreateAsync()).State);
        await session.ConnectAsync(new ConnectRequest { Method = ConnectMethod.Qr });
        var qr = await WaitForStateAsync(session, SessionState.Qr, s => s.Qr is not null);
        await _sim.PostOkAsync($"sim/phones/{Me}/scan", new { qr = qr.Qr });
        return await WaitForStateAsync(session, SessionState.Connected);
    }

    private static async Task<SessionStatus> WaitForStateAsync(ISessionGrain session, SessionState state, Func<SessionStatus, bool>? also = null)
    {
        SessionStatus? last = null;
        await WaitUntilAsync(
            async () =>
            {
                last = await session.GetStatusAsync();
                return last.State == state && (also?.Invoke(last) ?? true);
            },
            $"state {state} (last: {last})");
        return last!;
    }

    private async Task<bool> DeviceOnlineAsync()
    {
        var devices = (await _sim.GetJsonAsync($"sim/phones/{Me}"))["devices"]!.AsArray();
        return devices.Any(d => d!["online"]!.GetValue<bool>());
    }

    private async Task<JsonArray> WaitForInboxAsync(string phone, string messageId)
    {
        JsonArray messages = [];
        await WaitUntilAsync(
            async () =>
            {
                messages = (await _sim.GetJsonAsync($"sim/phones/{phone}/inbox"))["messages"]!.AsArray();
                return messages.Any(m => m!["id"]!.GetValue<string>() == messageId);
            },
            $"message {messageId} in {phone}'s inbox");
        return messages;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + WaitTimeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(PollInterval);
        }
    }
}

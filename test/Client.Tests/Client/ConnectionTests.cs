using WaOrleans.Client.Tests.Support;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Store;

namespace WaOrleans.Client.Tests.Client;

/// <summary>Staying connected: prekey stock, keepalive, reconnects and the terminal states, each driven by a WaSim fault.</summary>
public sealed class ConnectionTests : IAsyncLifetime
{
    private SimHarness _sim = null!;

    public async Task InitializeAsync() => _sim = await SimHarness.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task Uploads_812_prekeys_at_first_login_and_tops_up_when_the_server_reports_a_low_count()
    {
        var (client, _, _) = await _sim.PairByQrAsync("15550004444");
        var me = client.Credentials!.Me!.Value;
        Assert.Equal(ClientConstants.InitialPreKeyCount, await PreKeysOnServerAsync("15550004444"));
        Assert.Equal((uint)ClientConstants.InitialPreKeyCount + 1, client.Credentials.NextPreKeyId);

        // Someone fetches our bundle until 4 one-time prekeys are left: the server sends a count notification.
        var users = Enumerable.Range(0, ClientConstants.InitialPreKeyCount - (ClientConstants.MinPreKeyCount - 1))
            .Select(_ => new Node("user", new Dictionary<string, AttrValue> { ["jid"] = me }))
            .ToList();
        await client.QueryAsync(new IqRequest("encrypt", "get", null, [new Node("key", content: NodeContent.FromChildren(users))]));

        var expected = ClientConstants.MinPreKeyCount - 1 + ClientConstants.PreKeyTopUpCount;
        await WaitUntilAsync(async () => await PreKeysOnServerAsync("15550004444") == expected);
        Assert.Equal((uint)(ClientConstants.InitialPreKeyCount + ClientConstants.PreKeyTopUpCount + 1), client.Credentials.NextPreKeyId);
    }

    [Fact]
    public async Task A_silent_server_is_detected_by_keepalive_and_the_client_reconnects()
    {
        var options = _sim.Options() with { KeepAliveInterval = TimeSpan.FromMilliseconds(300), KeepAliveGrace = TimeSpan.FromMilliseconds(200) };
        var (client, events, _) = await _sim.PairByQrAsync("15550005555", options);

        await _sim.FaultAsync(client.Credentials!.Me!.Value.ToString(), "silent");
        var dropped = await events.NextAsync<DisconnectedEvent>();
        Assert.True(dropped.WillReconnect);
        Assert.Contains("keepalive", dropped.Reason, StringComparison.Ordinal);
        await events.NextAsync<ConnectedEvent>();
    }

    [Theory]
    [InlineData("close", null, "closed")]
    [InlineData("stream-error", 503, "503")]
    public async Task A_drop_or_a_503_reconnects_with_growing_backoff(string kind, int? code, string reason)
    {
        var (client, events, _) = await _sim.PairByQrAsync("15550006666");
        var me = client.Credentials!.Me!.Value.ToString();
        var delays = new List<TimeSpan>();
        for (var i = 0; i < 2; i++)
        {
            await _sim.FaultAsync(me, kind, code);
            var dropped = await events.NextAsync<DisconnectedEvent>();
            Assert.True(dropped.WillReconnect);
            Assert.Contains(reason, dropped.Reason, StringComparison.Ordinal);
            Assert.NotNull(dropped.RetryIn);
            delays.Add(dropped.RetryIn.Value);
            await events.NextAsync<ConnectedEvent>();
        }

        // Reaching Connected resets the backoff, so each drop starts from the base delay (±20 % jitter).
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromMilliseconds(40), TimeSpan.FromMilliseconds(60)));
        Assert.Equal(WaConnectionState.Connected, client.State);
    }

    [Fact]
    public async Task Backoff_grows_while_the_server_is_unreachable()
    {
        var store = new InMemoryDeviceStore();
        var options = _sim.Options() with { Endpoint = new Uri("ws://127.0.0.1:1/ws/chat") };
        var (client, events) = _sim.NewClient(store, options);
        await client.StartAsync();
        var delays = new List<TimeSpan>();
        for (var i = 0; i < 4; i++)
        {
            var dropped = await events.NextAsync<DisconnectedEvent>();
            Assert.True(dropped.WillReconnect);
            delays.Add(dropped.RetryIn!.Value);
        }

        await client.StopAsync();
        Assert.True(delays[1] > delays[0] && delays[2] > delays[1], string.Join(", ", delays));
        Assert.True(delays[3] <= TimeSpan.FromMilliseconds(400 * 1.2), string.Join(", ", delays));
        Assert.Equal(WaConnectionState.Disconnected, client.State);
    }

    [Fact]
    public async Task Unlinking_on_the_phone_logs_out_and_wipes_the_credentials()
    {
        var (client, events, store) = await _sim.PairByQrAsync("15550007777");

        await _sim.Sim.PostOkAsync("sim/phones/15550007777/unlink", new { });
        var loggedOut = await events.NextAsync<LoggedOutEvent>();
        Assert.Contains("device_removed", loggedOut.Reason, StringComparison.Ordinal);
        Assert.False(loggedOut.OnConnect);
        Assert.Equal(WaConnectionState.LoggedOut, client.State);
        Assert.Null(await store.LoadCredentialsAsync());
        Assert.Null(client.Credentials);
        await Task.Delay(300);
        Assert.Equal(WaConnectionState.LoggedOut, client.State);
        Assert.DoesNotContain(events.All.SkipWhile(e => e is not LoggedOutEvent), e => e is StateChangedEvent { Current: WaConnectionState.Connecting });
    }

    [Fact]
    public async Task A_login_the_server_does_not_know_is_refused_with_failure_401_and_logs_out()
    {
        var store = new InMemoryDeviceStore();
        var stranger = DeviceCredentials.Create(SystemSignalRandom.Instance, TimeProvider.System) with { Me = Jid.Parse("15559990000:3@s.whatsapp.net") };
        await store.SaveCredentialsAsync(stranger);
        var (client, events) = _sim.NewClient(store);
        await client.StartAsync();

        var loggedOut = await events.NextAsync<LoggedOutEvent>();
        Assert.True(loggedOut.OnConnect);
        Assert.Contains("401", loggedOut.Reason, StringComparison.Ordinal);
        Assert.Null(await store.LoadCredentialsAsync());
    }

    [Fact]
    public async Task Stream_error_440_stops_the_client_without_reconnecting()
    {
        var (client, events, _) = await _sim.PairByQrAsync("15550008888");

        await _sim.FaultAsync(client.Credentials!.Me!.Value.ToString(), "stream-error", 440);
        await events.NextAsync<StreamReplacedEvent>();
        Assert.Equal(WaConnectionState.Replaced, client.State);
        await Task.Delay(300);
        Assert.Equal(WaConnectionState.Replaced, client.State);
        Assert.NotNull(client.Credentials);
    }

    [Fact]
    public async Task A_second_login_with_the_same_credentials_replaces_the_first_which_stops()
    {
        var (first, firstEvents, store) = await _sim.PairByQrAsync("15550009999");

        var (second, secondEvents) = _sim.NewClient(store);
        await second.StartAsync();
        await secondEvents.NextAsync<ConnectedEvent>();
        await firstEvents.NextAsync<StreamReplacedEvent>();
        Assert.Equal(WaConnectionState.Replaced, first.State);
        Assert.Equal(WaConnectionState.Connected, second.State);
    }

    [Fact]
    public async Task A_throwing_event_handler_does_not_stop_the_client()
    {
        await _sim.Sim.CreatePhoneAsync("15550001212");
        var (client, events) = _sim.NewClient(new InMemoryDeviceStore());
        using var thrower = client.AddEventHandler((_, _) => throw new InvalidOperationException("consumer bug"));
        await client.StartAsync();
        var qr = await events.NextAsync<QrCodeEvent>();
        await _sim.Sim.PostOkAsync("sim/phones/15550001212/scan", new { qr = qr.Code });
        await events.NextAsync<ConnectedEvent>();
    }

    private async Task<int> PreKeysOnServerAsync(string phone) =>
        (await _sim.PhoneAsync(phone))["devices"]![0]!["preKeys"]!.GetValue<int>();

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not become true in time");
            await Task.Delay(50);
        }
    }
}

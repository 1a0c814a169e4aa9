using System.Text.RegularExpressions;
using WaOrleans.Client.Tests.Support;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Store;

namespace WaOrleans.Client.Tests.Client;

/// <summary>Linking a new device to a simulated phone, by QR and by code, against a real in-process WaSim.</summary>
public sealed partial class PairingTests : IAsyncLifetime
{
    private SimHarness _sim = null!;

    public async Task InitializeAsync() => _sim = await SimHarness.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task Qr_pairing_restarts_logs_in_and_a_new_client_on_the_same_store_logs_in_without_pairing()
    {
        await _sim.Sim.CreatePhoneAsync("15550001111");
        var store = new InMemoryDeviceStore();
        var (client, events) = _sim.NewClient(store);
        await client.StartAsync();

        var qr = await events.NextAsync<QrCodeEvent>();
        Assert.StartsWith(ClientConstants.QrPrefix, qr.Code, StringComparison.Ordinal);
        Assert.Equal(5, qr.Code[ClientConstants.QrPrefix.Length..].Split(',').Length);
        Assert.Equal(WaConnectionState.AwaitingQr, client.State);
        await _sim.Sim.PostOkAsync("sim/phones/15550001111/scan", new { qr = qr.Code });

        var paired = await events.NextAsync<PairSuccessEvent>();
        Assert.Equal("15550001111", paired.Id.User);
        Assert.NotEqual(0, paired.Id.Device);
        Assert.True(paired.Lid?.IsLid);
        Assert.Equal("android", paired.Platform);
        var restart = await events.NextAsync<DisconnectedEvent>();
        Assert.True(restart.WillReconnect);
        Assert.Contains("515", restart.Reason, StringComparison.Ordinal);
        await events.NextAsync<ConnectedEvent>();
        Assert.Equal(WaConnectionState.Connected, client.State);

        var saved = await store.LoadCredentialsAsync();
        Assert.NotNull(saved);
        Assert.Equal(paired.Id, saved.Me);
        Assert.Equal(paired.Lid, saved.MeLid);
        Assert.NotNull(saved.Account);
        var phone = await _sim.PhoneAsync("15550001111");
        var device = phone["devices"]![0]!;
        Assert.Equal(paired.Id.ToString(), device["jid"]!.GetValue<string>());
        Assert.Equal(ClientConstants.InitialPreKeyCount, device["preKeys"]!.GetValue<int>());

        var states = events.All.OfType<StateChangedEvent>().Select(e => e.Current).ToList();
        Assert.Equal(
            [WaConnectionState.Connecting, WaConnectionState.AwaitingQr, WaConnectionState.Reconnecting, WaConnectionState.Connecting,
             WaConnectionState.LoggingIn, WaConnectionState.Connected],
            states);

        await client.StopAsync();
        Assert.Equal(WaConnectionState.Disconnected, client.State);
        var (again, againEvents) = _sim.NewClient(store);
        await again.StartAsync();
        await againEvents.NextAsync<ConnectedEvent>();
        Assert.Empty(againEvents.All.OfType<QrCodeEvent>());
        Assert.Equal(paired.Id, again.Credentials?.Me);
        phone = await _sim.PhoneAsync("15550001111");
        Assert.Single(phone["devices"]!.AsArray());
        Assert.Equal(ClientConstants.InitialPreKeyCount, phone["devices"]![0]!["preKeys"]!.GetValue<int>());
    }

    [Fact]
    public async Task Pairing_code_links_the_device_and_it_logs_in()
    {
        await _sim.Sim.CreatePhoneAsync("15550002222");
        var store = new InMemoryDeviceStore();
        var (client, events) = _sim.NewClient(store);
        await client.StartAsync();
        await events.StateAsync(WaConnectionState.AwaitingQr);

        var code = await client.RequestPairingCodeAsync("+15550002222");
        Assert.Matches(CodeFormat(), code);
        Assert.Equal(code, (await events.NextAsync<PairingCodeEvent>()).Code);
        Assert.Equal(WaConnectionState.AwaitingPairingCode, client.State);

        await _sim.Sim.PostOkAsync("sim/phones/15550002222/pair-code", new { code });
        var paired = await events.NextAsync<PairSuccessEvent>();
        Assert.Equal("15550002222", paired.Id.User);
        await events.NextAsync<ConnectedEvent>();
        Assert.Equal(paired.Id, (await store.LoadCredentialsAsync())?.Me);
    }

    [Fact]
    public async Task Qr_refs_rotate_with_their_lifetimes_and_the_client_stops_when_they_run_out()
    {
        var options = _sim.Options() with
        {
            FirstQrLifetime = TimeSpan.FromMilliseconds(300),
            QrLifetime = TimeSpan.FromMilliseconds(100),
        };
        var (client, events) = _sim.NewClient(new InMemoryDeviceStore(), options);
        await client.StartAsync();

        var stopped = await events.NextAsync<DisconnectedEvent>();
        Assert.False(stopped.WillReconnect);
        Assert.Contains("QR", stopped.Reason, StringComparison.Ordinal);
        var codes = events.All.OfType<QrCodeEvent>().ToList();
        Assert.Equal(6, codes.Count);
        Assert.Equal(6, codes.Select(c => c.Code.Split(',')[0]).Distinct().Count());
        Assert.Equal(TimeSpan.FromMilliseconds(300), codes[0].Lifetime);
        Assert.All(codes.Skip(1), c => Assert.Equal(TimeSpan.FromMilliseconds(100), c.Lifetime));
        Assert.Single(codes.Select(c => c.Code[c.Code.IndexOf(',', StringComparison.Ordinal)..]).Distinct());
        Assert.Equal(WaConnectionState.Disconnected, client.State);
    }

    [Fact]
    public async Task A_pair_success_keyed_with_another_adv_secret_is_refused_with_hmac_mismatch()
    {
        await _sim.Sim.CreatePhoneAsync("15550003333");
        var store = new InMemoryDeviceStore();
        var (client, events) = _sim.NewClient(store);
        await client.StartAsync();
        var qr = await events.NextAsync<QrCodeEvent>();

        // The phone signs with an ADV secret that is not ours: the HMAC cannot match.
        var fields = qr.Code.Split(',');
        fields[3] = Convert.ToBase64String(new byte[32]);
        using var response = await _sim.Sim.PostAsync("sim/phones/15550003333/scan", new { qr = string.Join(',', fields) });
        Assert.False(response.IsSuccessStatusCode);

        var refused = await events.NextAsync<PairErrorEvent>();
        Assert.Equal("hmac-mismatch", refused.Reason);
        Assert.Empty(events.All.OfType<PairSuccessEvent>());
        Assert.Null((await store.LoadCredentialsAsync())?.Me);
        Assert.Empty((await _sim.PhoneAsync("15550003333"))["devices"]!.AsArray());
    }

    [GeneratedRegex("^[1-9A-HJ-NP-TV-Z]{4}-[1-9A-HJ-NP-TV-Z]{4}$")]
    private static partial Regex CodeFormat();
}

using System.Text.Json.Nodes;
using WaOrleans.Protocol.Tests.Support;
using WaOrleans.Simulator.Tests.Support;

namespace WaOrleans.Simulator.Tests;

/// <summary>The proof for linking: the real Baileys client pairs with, logs in to and is thrown out by WaSim as by WhatsApp.</summary>
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class BaileysPairingTests(InteropHarness harness) : BaileysTestBase(harness)
{
    [Fact]
    public async Task Baileys_pairs_by_qr_restarts_on_515_and_logs_in_again_later()
    {
        await Sim.CreatePhoneAsync("15550101010", "Alice");
        string auth;
        await using (var first = await BaileysClient.StartAsync(Harness, Server))
        {
            auth = first.Auth;
            var qr = await first.WaitForQrAsync();
            Assert.StartsWith("https://wa.me/settings/linked_devices#", qr, StringComparison.Ordinal);
            var device = await Sim.PostOkAsync("sim/phones/15550101010/scan", new { qr });
            Assert.Equal("15550101010:1@s.whatsapp.net", device!["jid"]!.GetValue<string>());
            Assert.Equal(RestartRequired, await first.WaitForCloseAsync());
            var creds = await first.CredsAsync();
            Assert.Equal("15550101010:1@s.whatsapp.net", creds["me"]!["id"]!.GetValue<string>());
            Assert.Equal("android", creds["platform"]!.GetValue<string>());
        }

        await using (var restarted = await BaileysClient.StartAsync(Harness, Server, auth))
        {
            await restarted.WaitForOpenAsync();
            var phone = await Sim.GetAsync("sim/phones/15550101010");
            var body = JsonNode.Parse(await phone.Content.ReadAsStringAsync())!;
            var linked = body["devices"]![0]!;
            Assert.True(linked["online"]!.GetValue<bool>());
            Assert.True(linked["preKeys"]!.GetValue<int>() > 0, "Baileys uploads its prekeys on first login");
        }

        await using var later = await BaileysClient.StartAsync(Harness, Server, auth);
        var open = await later.WaitForOpenAsync();
        Assert.EndsWith("@lid", open["me"]!["lid"]!.GetValue<string>(), StringComparison.Ordinal);
        var onWhatsApp = await later.OnWhatsAppAsync("+15550101010", "+15559999999");
        var found = Assert.Single(onWhatsApp);
        Assert.Equal("15550101010@s.whatsapp.net", found!["jid"]!.GetValue<string>());
        Assert.True(found["exists"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Baileys_links_by_pairing_code_and_a_wrong_code_is_refused()
    {
        await Sim.CreatePhoneAsync("15550202020", "Bob");
        await using var client = await BaileysClient.StartAsync(Harness, Server);
        await client.WaitForQrAsync();
        var code = await client.RequestPairingCodeAsync("15550202020");
        Assert.Equal(8, code.Length);

        var wrong = code[0] == 'A' ? "B" + code[1..] : "A" + code[1..];
        using (var refused = await EnterCodeAsync("15550202020", wrong))
        {
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
        }

        var device = await Sim.PostOkAsync("sim/phones/15550202020/pair-code", new { code });
        Assert.Equal("15550202020:1@s.whatsapp.net", device!["jid"]!.GetValue<string>());
        Assert.Equal(RestartRequired, await client.WaitForCloseAsync());

        await using var restarted = await BaileysClient.StartAsync(Harness, Server, client.Auth);
        await restarted.WaitForOpenAsync();
    }

    [Fact]
    public async Task Baileys_sees_logged_out_on_unlink_and_replaced_on_440()
    {
        await Sim.CreatePhoneAsync("15550303030", "Carol");
        var auth = await PairAsync("15550303030");

        await using (var replaced = await BaileysClient.StartAsync(Harness, Server, auth))
        {
            await replaced.WaitForOpenAsync();
            await Sim.PostOkAsync("sim/devices/15550303030:1@s.whatsapp.net/fault", new { kind = "stream-error", code = 440 }, 204);
            Assert.Equal(ConnectionReplaced, await replaced.WaitForCloseAsync());
        }

        await using var unlinked = await BaileysClient.StartAsync(Harness, Server, auth);
        await unlinked.WaitForOpenAsync();
        await Sim.PostOkAsync("sim/phones/15550303030/unlink", new { });
        Assert.Equal(LoggedOut, await unlinked.WaitForCloseAsync());

        await using var refused = await BaileysClient.StartAsync(Harness, Server, auth);
        Assert.Equal(LoggedOut, await refused.WaitForCloseAsync());
    }

    [Fact]
    public async Task Baileys_sees_dropped_and_silent_connections_and_logs_in_after_aServer_restart()
    {
        await Sim.CreatePhoneAsync("15550404040", "Dave");
        var auth = await PairAsync("15550404040");
        const string Fault = "sim/devices/15550404040:1@s.whatsapp.net/fault";

        await using (var dropped = await BaileysClient.StartAsync(Harness, Server, auth))
        {
            await dropped.WaitForOpenAsync();
            await Sim.PostOkAsync(Fault, new { kind = "close" }, 204);
            Assert.Equal(ConnectionClosed, await dropped.WaitForCloseAsync());
        }

        await using (var restarted = await BaileysClient.StartAsync(Harness, Server, auth))
        {
            await restarted.WaitForOpenAsync();
            await Sim.PostOkAsync("sim/devices/any/fault", new { kind = "restart-server" }, 204);
            Assert.Equal(ConnectionClosed, await restarted.WaitForCloseAsync());
        }

        await using var silenced = await BaileysClient.StartAsync(Harness, Server, auth, keepAliveMs: ShortKeepAliveMs);
        await silenced.WaitForOpenAsync();
        await Sim.PostOkAsync(Fault, new { kind = "silent" }, 204);
        Assert.Equal(ConnectionLost, await silenced.WaitForCloseAsync());
    }
}

using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Noise;
using WaOrleans.Simulator.Tests.Support;

namespace WaOrleans.Simulator.Tests;

public sealed class RoutingTests : IAsyncLifetime
{
    private WaSimServer _server = null!;
    private SimClient _sim = null!;

    public async Task InitializeAsync()
    {
        _server = await WaSimServer.StartAsync(new WaSimOptions());
        _sim = new SimClient(_server);
    }

    public async Task DisposeAsync()
    {
        _sim.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Messages_for_an_offline_device_wait_and_are_redelivered_until_acked()
    {
        var alice = await ProvisionAsync("15556000001");
        var bob = await ProvisionAsync("15556000002");
        await using (var aliceSocket = await NoiseLogin.LoginAsync(_server, 15556000001, 1, alice))
        {
            await ReceiveUntilAsync(aliceSocket, "ib");
            await NoiseLogin.SendNodeAsync(aliceSocket, Message("m1", "15556000002:1@s.whatsapp.net"));
            var ack = await ReceiveUntilAsync(aliceSocket, "ack");
            Assert.Equal("m1", ack.GetAttr("id"));
        }

        await using (var unacked = await NoiseLogin.LoginAsync(_server, 15556000002, 1, bob))
        {
            var queued = await ReceiveUntilAsync(unacked, "message");
            Assert.Equal("1", queued.GetAttr("offline"));
            Assert.Equal("15556000001:1@s.whatsapp.net", queued.GetAttr("from"));
            Assert.Equal("1", (await ReceiveUntilAsync(unacked, "ib")).GetChild("offline")!.GetAttr("count"));
        }

        await using (var acking = await NoiseLogin.LoginAsync(_server, 15556000002, 1, bob))
        {
            var again = await ReceiveUntilAsync(acking, "message");
            Assert.Equal("m1", again.GetAttr("id"));
            await NoiseLogin.SendNodeAsync(acking, Stanza.Make("ack", default, ("id", "m1"), ("class", "message"), ("to", Jid.Parse("15556000001:1@s.whatsapp.net"))));
            await ReceiveUntilAsync(acking, "ib");
            await NoiseLogin.SendNodeAsync(acking, Stanza.Make("iq", default, ("id", "ping"), ("type", "get"), ("xmlns", "w:p")));
            await ReceiveUntilAsync(acking, "iq");
        }

        await using var done = await NoiseLogin.LoginAsync(_server, 15556000002, 1, bob);
        Assert.Equal("0", (await ReceiveUntilAsync(done, "ib")).GetChild("offline")!.GetAttr("count"));
    }

    [Fact]
    public async Task A_login_with_another_noise_key_is_refused_and_a_second_login_replaces_the_first()
    {
        var key = await ProvisionAsync("15556000003");
        Assert.Equal("401", (await NoiseLogin.TryLoginAsync(_server, 15556000003, 1)).GetAttr("reason"));

        await using var first = await NoiseLogin.LoginAsync(_server, 15556000003, 1, key);
        await using var second = await NoiseLogin.LoginAsync(_server, 15556000003, 1, key);
        var error = await ReceiveUntilAsync(first, "stream:error");
        Assert.Equal("replaced", error.GetChild("conflict")!.GetAttr("type"));
    }

    [Fact]
    public async Task A_silent_server_answers_nothing_more()
    {
        var key = await ProvisionAsync("15556000004");
        await using var socket = await NoiseLogin.LoginAsync(_server, 15556000004, 1, key);
        await ReceiveUntilAsync(socket, "ib");
        using (var fault = await _sim.PostAsync("sim/devices/15556000004:1@s.whatsapp.net/fault", new { kind = "silent" }))
        {
            Assert.Equal(System.Net.HttpStatusCode.NoContent, fault.StatusCode);
        }

        await NoiseLogin.SendNodeAsync(socket, Stanza.Make("iq", default, ("id", "ping"), ("type", "get"), ("xmlns", "w:p")));
        await Assert.ThrowsAsync<TimeoutException>(() => socket.ReceiveFrameAsync().WaitAsync(TimeSpan.FromSeconds(1)));
    }

    private async Task<KeyPair> ProvisionAsync(string phone)
    {
        await _sim.CreatePhoneAsync(phone);
        var noise = Curve25519.GenerateKeyPair();
        await _sim.PostOkAsync($"sim/phones/{phone}/devices", new { noiseKey = Convert.ToBase64String(noise.PublicKey) }, 201);
        return noise;
    }

    private static Node Message(string id, string to) =>
        Stanza.Make("message", NodeContent.FromChildren(Stanza.Make("enc", new byte[] { 1, 2, 3 }, ("v", "2"), ("type", "msg"))),
            ("id", id), ("to", Jid.Parse(to)), ("type", "text"));

    private static async Task<Node> ReceiveUntilAsync(NoiseSocket socket, string tag)
    {
        while (true)
        {
            var node = await NoiseLogin.ReceiveNodeAsync(socket);
            Assert.True(node is not null, $"the connection closed before a {tag}");
            if (node.Tag == tag)
            {
                return node;
            }
        }
    }
}

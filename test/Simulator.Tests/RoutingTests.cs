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

    [Fact]
    public async Task Nack_drop_and_delay_faults_act_on_the_next_stanzas_and_clear_ends_them()
    {
        var alice = await ProvisionAsync("15556000005");
        await ProvisionAsync("15556000006");
        await using var socket = await NoiseLogin.LoginAsync(_server, 15556000005, 1, alice);
        await ReceiveUntilAsync(socket, "ib");
        const string Fault = "sim/devices/15556000005:1@s.whatsapp.net/fault";

        await _sim.PostOkAsync(Fault, new { kind = "nack" }, 204);
        await NoiseLogin.SendNodeAsync(socket, Message("n1", "15556000006:1@s.whatsapp.net"));
        var nack = await ReceiveUntilAsync(socket, "ack");
        Assert.Equal("479", nack.GetAttr("error"));
        await NoiseLogin.SendNodeAsync(socket, Message("n2", "15556000006:1@s.whatsapp.net"));
        Assert.Null((await ReceiveUntilAsync(socket, "ack")).GetAttr("error"));

        await _sim.PostOkAsync(Fault, new { kind = "drop", count = 1 }, 204);
        await NoiseLogin.SendNodeAsync(socket, Ping("p1"));
        await NoiseLogin.SendNodeAsync(socket, Ping("p2"));
        Assert.Equal("p2", (await ReceiveUntilAsync(socket, "iq")).GetAttr("id"));
        // Stanzas are handled in order, so n2 was routed (to offline Bob) before p2 was answered; n1 never was.
        Assert.Equal(1, (await _sim.GetJsonAsync("sim/phones/15556000006"))["devices"]![0]!["undelivered"]!.GetValue<int>());

        await _sim.PostOkAsync(Fault, new { kind = "delay", delayMs = 300 }, 204);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await NoiseLogin.SendNodeAsync(socket, Ping("p3"));
        await ReceiveUntilAsync(socket, "iq");
        Assert.True(clock.ElapsedMilliseconds >= 250, $"answered after {clock.ElapsedMilliseconds} ms");

        await _sim.PostOkAsync(Fault, new { kind = "clear" }, 204);
        clock.Restart();
        await NoiseLogin.SendNodeAsync(socket, Ping("p4"));
        await ReceiveUntilAsync(socket, "iq");
        Assert.True(clock.ElapsedMilliseconds < 250, $"answered after {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task A_restarted_server_keeps_its_devices_and_refuses_connections_while_down()
    {
        var key = await ProvisionAsync("15556000007");
        await using (var before = await NoiseLogin.LoginAsync(_server, 15556000007, 1, key))
        {
            await ReceiveUntilAsync(before, "ib");
            await _sim.PostOkAsync("sim/devices/any/fault", new { kind = "restart-server", delayMs = 1500 }, 204);
            Assert.Null(await NoiseLogin.ReceiveNodeAsync(before));
        }

        await Assert.ThrowsAsync<TransportException>(() => NoiseLogin.LoginAsync(_server, 15556000007, 1, key));
        await Task.Delay(1600);
        await using var after = await NoiseLogin.LoginAsync(_server, 15556000007, 1, key);
        await ReceiveUntilAsync(after, "ib");
    }

    [Fact]
    public async Task Retry_receipts_go_back_to_the_sender_from_the_receipt_author()
    {
        var alice = await ProvisionAsync("15556000008");
        var bob = await ProvisionAsync("15556000009");
        await using var aliceSocket = await NoiseLogin.LoginAsync(_server, 15556000008, 1, alice);
        await using var bobSocket = await NoiseLogin.LoginAsync(_server, 15556000009, 1, bob);
        await ReceiveUntilAsync(aliceSocket, "ib");
        await ReceiveUntilAsync(bobSocket, "ib");

        await NoiseLogin.SendNodeAsync(aliceSocket, Message("r1", "15556000009:1@s.whatsapp.net"));
        Assert.Equal("r1", (await ReceiveUntilAsync(bobSocket, "message")).GetAttr("id"));
        await NoiseLogin.SendNodeAsync(bobSocket, Stanza.Make("receipt", NodeContent.FromChildren(Stanza.Make("retry", default, ("count", "1"))),
            ("id", "r1"), ("to", Jid.Parse("15556000008:1@s.whatsapp.net")), ("type", "retry")));
        var retry = await ReceiveUntilAsync(aliceSocket, "receipt");
        Assert.Equal("retry", retry.GetAttr("type"));
        Assert.Equal("15556000009:1@s.whatsapp.net", retry.GetAttr("from"));
        Assert.NotNull(retry.GetChild("retry"));
    }

    private static Node Ping(string id) => Stanza.Make("iq", NodeContent.FromChildren(Stanza.Make("ping")), ("id", id), ("type", "get"), ("xmlns", "w:p"));

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

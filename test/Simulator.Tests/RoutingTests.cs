using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Noise;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.Stores.InMemory;
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

    [Fact]
    public async Task A_phone_answers_a_retry_receipt_with_a_new_session_the_device_can_decrypt()
    {
        await _sim.CreatePhoneAsync("15556000010");
        await _sim.CreatePhoneAsync("15556000011");
        var random = SystemSignalRandom.Instance;
        var identity = IdentityKeyPair.Generate(random);
        var store = new InMemorySignalProtocolStore(identity, new RegistrationId(77));
        var signedPreKey = KeyHelper.GenerateSignedPreKey(identity, new SignedPreKeyId(1), random, TimeProvider.System);
        await store.StoreSignedPreKeyAsync(signedPreKey);
        var preKeys = KeyHelper.GeneratePreKeys(new PreKeyId(1), 4, random);
        foreach (var preKey in preKeys)
        {
            await store.StorePreKeyAsync(preKey);
        }

        var noise = Curve25519.GenerateKeyPair();
        await _sim.PostOkAsync("sim/phones/15556000010/devices", new
        {
            noiseKey = Convert.ToBase64String(noise.PublicKey),
            identityKey = Convert.ToBase64String(identity.PublicKey.PublicKey),
            registrationId = 77,
        }, 201);
        await using var socket = await NoiseLogin.LoginAsync(_server, 15556000010, 1, noise);
        await ReceiveUntilAsync(socket, "ib");
        await NoiseLogin.SendNodeAsync(socket, Stanza.Make("iq", NodeContent.FromChildren(
            Stanza.Make("list", NodeContent.FromChildren(preKeys.Select(k => Stanza.Make("key", NodeContent.FromChildren(
                Stanza.Make("id", PreKeyCodec.WriteId(k.Id.Value)), Stanza.Make("value", k.KeyPair.PublicKeyBytes())))))),
            Stanza.Make("skey", NodeContent.FromChildren(
                Stanza.Make("id", PreKeyCodec.WriteId(1)), Stanza.Make("value", signedPreKey.KeyPair.PublicKeyBytes()),
                Stanza.Make("signature", signedPreKey.SignatureBytes())))),
            ("id", "upload"), ("type", "set"), ("xmlns", "encrypt")));
        await ReceiveUntilAsync(socket, "iq");

        var id = (await _sim.PostOkAsync("sim/phones/15556000011/send", new { to = "15556000010", text = "once" }))!["id"]!.GetValue<string>();
        Assert.Equal("once", await DecryptTextAsync(store, await ReceiveUntilAsync(socket, "message")));

        await NoiseLogin.SendNodeAsync(socket, Stanza.Make("receipt", NodeContent.FromChildren(Stanza.Make("retry", default, ("count", "1"), ("id", id))),
            ("id", id), ("to", Jid.Parse("15556000011@s.whatsapp.net")), ("type", "retry")));
        var again = await ReceiveUntilAsync(socket, "message");
        Assert.Equal(id, again.GetAttr("id"));
        Assert.Equal("pkmsg", again.GetChild("enc")!.GetAttr("type"));
        Assert.Equal("once", await DecryptTextAsync(store, again));
    }

    [Fact]
    public async Task A_phone_answers_a_group_retry_receipt_with_the_message_and_its_sender_key_in_a_new_session()
    {
        await _sim.CreatePhoneAsync("15556000014");
        await _sim.CreatePhoneAsync("15556000015");
        var (store, noise) = await ProvisionSignalDeviceAsync("15556000014", 78);
        var group = (await _sim.PostOkAsync("sim/groups", new { subject = "retry", creator = "15556000015", participants = new[] { "15556000014" } }, 201))!["jid"]!
            .GetValue<string>();
        await using var socket = await NoiseLogin.LoginAsync(_server, 15556000014, 1, noise);
        await ReceiveUntilAsync(socket, "ib");
        await UploadKeysAsync(socket, store);

        var id = (await _sim.PostOkAsync("sim/phones/15556000015/send", new { to = group, text = "to the group" }))!["id"]!.GetValue<string>();
        var first = await ReceiveUntilAsync(socket, "message");
        Assert.Equal(["pkmsg", "skmsg"], first.GetChildren("enc").Select(e => e.GetAttr("type")));

        await NoiseLogin.SendNodeAsync(socket, Stanza.Make("receipt", NodeContent.FromChildren(Stanza.Make("retry", default, ("count", "1"), ("id", id))),
            ("id", id), ("to", Jid.Parse(group)), ("participant", Jid.Parse("15556000015@s.whatsapp.net")), ("type", "retry")));
        var again = await ReceiveUntilAsync(socket, "message");
        Assert.Equal(id, again.GetAttr("id"));
        Assert.Equal(group, again.GetAttr("from"));
        var enc = Assert.Single(again.GetChildren("enc"));
        Assert.Equal("pkmsg", enc.GetAttr("type"));
        var participant = Jid.Parse(again.GetAttr("participant")!);
        var cipher = new SessionCipher(store, SignalAddress.ForUser(participant.User, SignalUserDomain.Lid, new DeviceId(participant.Device)), SystemSignalRandom.Instance);
        enc.Content.TryGetBytes(out var body);
        var padded = (await cipher.DecryptPreKeyMessageAsync(body)).Plaintext;
        var message = WaOrleans.Protocol.Proto.Message.Parser.ParseFrom(padded.AsSpan(0, padded.Length - padded[^1]));
        Assert.Equal("to the group", message.Conversation);
        Assert.Equal(group, message.SenderKeyDistributionMessage.GroupId);
        Assert.False(message.SenderKeyDistributionMessage.AxolotlSenderKeyDistributionMessage.IsEmpty);
    }

    private async Task<(InMemorySignalProtocolStore Store, KeyPair Noise)> ProvisionSignalDeviceAsync(string phone, uint registrationId)
    {
        var identity = IdentityKeyPair.Generate(SystemSignalRandom.Instance);
        var store = new InMemorySignalProtocolStore(identity, new RegistrationId(registrationId));
        var noise = Curve25519.GenerateKeyPair();
        await _sim.PostOkAsync($"sim/phones/{phone}/devices", new
        {
            noiseKey = Convert.ToBase64String(noise.PublicKey),
            identityKey = Convert.ToBase64String(identity.PublicKey.PublicKey),
            registrationId,
        }, 201);
        return (store, noise);
    }

    private static async Task UploadKeysAsync(NoiseSocket socket, InMemorySignalProtocolStore store)
    {
        var random = SystemSignalRandom.Instance;
        var signedPreKey = KeyHelper.GenerateSignedPreKey(await store.GetIdentityKeyPairAsync(), new SignedPreKeyId(1), random, TimeProvider.System);
        await store.StoreSignedPreKeyAsync(signedPreKey);
        var preKeys = KeyHelper.GeneratePreKeys(new PreKeyId(1), 8, random);
        foreach (var preKey in preKeys)
        {
            await store.StorePreKeyAsync(preKey);
        }

        await NoiseLogin.SendNodeAsync(socket, Stanza.Make("iq", NodeContent.FromChildren(
            Stanza.Make("list", NodeContent.FromChildren(preKeys.Select(k => Stanza.Make("key", NodeContent.FromChildren(
                Stanza.Make("id", PreKeyCodec.WriteId(k.Id.Value)), Stanza.Make("value", k.KeyPair.PublicKeyBytes())))))),
            Stanza.Make("skey", NodeContent.FromChildren(
                Stanza.Make("id", PreKeyCodec.WriteId(1)), Stanza.Make("value", signedPreKey.KeyPair.PublicKeyBytes()),
                Stanza.Make("signature", signedPreKey.SignatureBytes())))),
            ("id", "upload"), ("type", "set"), ("xmlns", "encrypt")));
        await ReceiveUntilAsync(socket, "iq");
    }

    [Fact]
    public async Task A_phone_skips_a_device_whose_keys_do_not_verify()
    {
        await ProvisionAsync("15556000012");
        await _sim.CreatePhoneAsync("15556000013");
        var sent = await _sim.PostOkAsync("sim/phones/15556000013/send", new { to = "15556000012", text = "unreachable" });
        Assert.NotNull(sent!["id"]);
        Assert.Equal(0, (await _sim.GetJsonAsync("sim/phones/15556000012"))["devices"]![0]!["undelivered"]!.GetValue<int>());
    }

    private static async Task<string> DecryptTextAsync(InMemorySignalProtocolStore store, Node message)
    {
        var from = Jid.Parse(message.GetAttr("from")!);
        var cipher = new SessionCipher(store, SignalAddress.ForUser(from.User, SignalUserDomain.Lid, new DeviceId(from.Device)), SystemSignalRandom.Instance);
        message.GetChild("enc")!.Content.TryGetBytes(out var body);
        var padded = (await cipher.DecryptPreKeyMessageAsync(body)).Plaintext;
        return WaOrleans.Protocol.Proto.Message.Parser.ParseFrom(padded.AsSpan(0, padded.Length - padded[^1])).Conversation;
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

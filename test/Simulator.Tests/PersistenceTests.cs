using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Noise;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.Stores.InMemory;
using WaOrleans.Simulator.Tests.Support;

namespace WaOrleans.Simulator.Tests;

public sealed class PersistenceTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("wasim-persist-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task A_new_server_on_the_same_data_directory_keeps_accounts_devices_groups_sessions_and_queued_messages()
    {
        var identity = IdentityKeyPair.Generate(SystemSignalRandom.Instance);
        var store = new InMemorySignalProtocolStore(identity, new RegistrationId(91));
        var noise = Curve25519.GenerateKeyPair();
        string phoneIdentity, lid, queuedId, group;
        await using (var server = await WaSimServer.StartAsync(new WaSimOptions { DataDirectory = _data }))
        {
            using var sim = new SimClient(server);
            lid = (await sim.CreatePhoneAsync("15557000001"))["lid"]!.GetValue<string>();
            phoneIdentity = (await sim.CreatePhoneAsync("15557000002"))["identityKey"]!.GetValue<string>();
            await sim.PostOkAsync("sim/phones/15557000001/devices", new
            {
                noiseKey = Convert.ToBase64String(noise.PublicKey),
                identityKey = Convert.ToBase64String(identity.PublicKey.PublicKey),
                registrationId = 91,
            }, 201);
            group = (await sim.PostOkAsync("sim/groups", new { subject = "kept", creator = "15557000002", participants = new[] { "15557000001" } }, 201))!["jid"]!
                .GetValue<string>();
            await using (var socket = await NoiseLogin.LoginAsync(server, 15557000001, 1, noise))
            {
                await ReceiveUntilAsync(socket, "ib");
                await UploadKeysAsync(socket, store, identity);
                await sim.PostOkAsync("sim/phones/15557000002/send", new { to = "15557000001", text = "before" });
                var live = await ReceiveUntilAsync(socket, "message");
                Assert.Equal("before", await DecryptTextAsync(store, live));
                await NoiseLogin.SendNodeAsync(socket, Ack(live));
            }

            await WaitUntilAsync(async () => !(await sim.GetJsonAsync("sim/phones/15557000001"))["devices"]![0]!["online"]!.GetValue<bool>());
            queuedId = (await sim.PostOkAsync("sim/phones/15557000002/send", new { to = "15557000001", text = "queued" }))!["id"]!.GetValue<string>();
        }

        await using (var restarted = await WaSimServer.StartAsync(new WaSimOptions { DataDirectory = _data }))
        {
            using var sim = new SimClient(restarted);
            var phone = await sim.GetJsonAsync("sim/phones/15557000001");
            Assert.Equal(lid, phone["lid"]!.GetValue<string>());
            Assert.Equal(phoneIdentity, (await sim.GetJsonAsync("sim/phones/15557000002"))["identityKey"]!.GetValue<string>());
            Assert.Equal("kept", (await sim.GetJsonAsync($"sim/groups/{group}"))["subject"]!.GetValue<string>());

            await using var socket = await NoiseLogin.LoginAsync(restarted, 15557000001, 1, noise);
            var queued = await ReceiveUntilAsync(socket, "message");
            Assert.Equal(queuedId, queued.GetAttr("id"));
            Assert.Equal("1", queued.GetAttr("offline"));
            Assert.Equal("queued", await DecryptTextAsync(store, queued));
            await NoiseLogin.SendNodeAsync(socket, Ack(queued));
            await ReceiveUntilAsync(socket, "ib");

            // The phone's ratchet survived too: a message sent after the restart decrypts in the same session.
            await sim.PostOkAsync("sim/phones/15557000002/send", new { to = "15557000001", text = "after" });
            Assert.Equal("after", await DecryptTextAsync(store, await ReceiveUntilAsync(socket, "message")));
        }

        await using var third = await WaSimServer.StartAsync(new WaSimOptions { DataDirectory = _data });
        using var thirdSim = new SimClient(third);
        var created = await thirdSim.CreatePhoneAsync("15557000003");
        Assert.NotEqual(lid, created["lid"]!.GetValue<string>());
    }

    private static async Task UploadKeysAsync(NoiseSocket socket, InMemorySignalProtocolStore store, IdentityKeyPair identity)
    {
        var random = SystemSignalRandom.Instance;
        var signedPreKey = KeyHelper.GenerateSignedPreKey(identity, new SignedPreKeyId(1), random, TimeProvider.System);
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

    private static Node Ack(Node message) =>
        Stanza.Make("ack", default, ("id", message.GetAttr("id")!), ("class", "message"), ("to", Jid.Parse(message.GetAttr("from")!)));

    private static async Task<string> DecryptTextAsync(InMemorySignalProtocolStore store, Node message)
    {
        var from = Jid.Parse(message.GetAttr("from")!);
        var cipher = new SessionCipher(store, SignalAddress.ForUser(from.User, SignalUserDomain.Lid, new DeviceId(from.Device)), SystemSignalRandom.Instance);
        var enc = message.GetChild("enc")!;
        enc.Content.TryGetBytes(out var body);
        var padded = enc.GetAttr("type") == "pkmsg"
            ? (await cipher.DecryptPreKeyMessageAsync(body)).Plaintext
            : (await cipher.DecryptMessageAsync(body)).Plaintext;
        return WaOrleans.Protocol.Proto.Message.Parser.ParseFrom(padded.AsSpan(0, padded.Length - padded[^1])).Conversation;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "the condition did not hold within 30 s");
            await Task.Delay(50);
        }
    }

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

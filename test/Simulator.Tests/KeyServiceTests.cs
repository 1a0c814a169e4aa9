using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Simulator.Tests.Support;

namespace WaOrleans.Simulator.Tests;

public sealed class KeyServiceTests : IAsyncLifetime
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
    public async Task Usync_answers_devices_with_key_indexes_lid_and_contact()
    {
        await _sim.CreatePhoneAsync("15550505050");
        var account = _server.State.FindAccount("15550505050")!;
        AddCompanion(account, preKeys: 0);

        var iq = Iq("usync", Node("usync", [("sid", "1"), ("mode", "query"), ("context", "message")],
            Node("query", [], Node("devices", [("version", "2")]), Node("lid", []), Node("contact", [])),
            Node("list", [], Node("user", [("jid", Jid.Parse("15550505050@s.whatsapp.net"))]),
                new Node("user", null, NodeContent.FromChildren(new Node("contact", null, "+15550000000"))))));
        var users = _server.AnswerUsync(iq).GetChild("usync", "list")!.GetChildren("user");

        Assert.Equal(2, users.Count);
        Assert.Equal("in", users[0].GetChild("contact")!.GetAttr("type"));
        Assert.Equal(account.Lid.ToString(), users[0].GetChild("lid")!.GetAttr("val"));
        var devices = users[0].GetChild("devices", "device-list")!.GetChildren("device");
        Assert.Equal(["0", "1"], devices.Select(d => d.GetAttr("id")));
        Assert.Null(devices[0].GetAttr("key-index"));
        Assert.Equal("1", devices[1].GetAttr("key-index"));
        Assert.Equal("15550000000@s.whatsapp.net", users[1].GetAttr("jid"));
        Assert.Equal("out", users[1].GetChild("contact")!.GetAttr("type"));
    }

    [Fact]
    public async Task Bundles_consume_one_time_prekeys_and_serve_the_phone_itself()
    {
        await _sim.CreatePhoneAsync("15550606060");
        var account = _server.State.FindAccount("15550606060")!;
        var device = AddCompanion(account, preKeys: 2);

        Node Fetch(Jid jid) => _server.FetchBundles(Node("key", [], Node("user", [("jid", jid)]))).GetChildren("user").Single();
        var first = Fetch(device.Lid);
        Assert.Equal(device.Lid.ToString(), first.GetAttr("jid"));
        Assert.Equal([0, 0, 1], Bytes(first.GetChild("key", "id")!));
        Assert.Equal([0, 0, 2], Bytes(Fetch(device.Lid).GetChild("key", "id")!));
        Assert.Null(Fetch(device.Lid).GetChild("key"));
        Assert.NotNull(Fetch(device.Lid).GetChild("skey"));

        var phone = Fetch(account.Lid);
        Assert.Equal(account.Identity.PublicKeyBytes(), Bytes(phone.GetChild("identity")!));
        byte[] signed = [5, .. Bytes(phone.GetChild("skey", "value")!)];
        Assert.True(Curve25519.Verify(account.Identity.PublicKey, signed, Bytes(phone.GetChild("skey", "signature")!)));
        Assert.NotNull(phone.GetChild("key"));
        Assert.NotNull(Fetch(Jid.Parse("19999999999@lid")).GetChild("error"));
    }

    private SimDevice AddCompanion(SimAccount account, int preKeys)
    {
        var identity = Curve25519.GenerateKeyPair();
        var (id, keyIndex) = account.ReserveDeviceSlot();
        var device = new SimDevice(account, id, keyIndex, new byte[32],
            new SignalRegistration(42, identity.PublicKeyBytes(), 1, new byte[32], new byte[64]));
        for (uint i = 1; i <= preKeys; i++)
        {
            device.PreKeys[i] = Curve25519.GenerateKeyPair().PublicKeyBytes();
        }

        account.AddCompanion(device);
        return device;
    }

    private static byte[] Bytes(Node node) => node.Content.TryGetBytes(out var bytes) ? bytes.ToArray() : [];

    private static Node Iq(string xmlns, Node child) =>
        Node("iq", [("id", "q1"), ("type", "get"), ("xmlns", xmlns)], child);

    private static Node Node(string tag, (string Key, AttrValue Value)[] attrs, params Node[] children) =>
        new(tag, attrs.ToDictionary(a => a.Key, a => a.Value), children.Length == 0 ? default : NodeContent.FromChildren(children));
}

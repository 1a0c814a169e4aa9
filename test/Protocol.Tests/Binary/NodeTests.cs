using WaOrleans.Protocol.Binary;
using static WaOrleans.Protocol.Tests.Binary.NodeWriterTests;

namespace WaOrleans.Protocol.Tests.Binary;

public sealed class NodeTests
{
    private static readonly Node Message = new(
        "message",
        Attrs(("to", Jid.Parse("1555@s.whatsapp.net")), ("id", "3EB0AB"), ("type", "text"), ("t", "1700000000")),
        new[]
        {
            new Node("participants", content: new[]
            {
                new Node("to", Attrs(("jid", Jid.Parse("1555:1@s.whatsapp.net"))), new[] { new Node("enc", Attrs(("v", "2")), new byte[200]) }),
                new Node("to", Attrs(("jid", Jid.Parse("1555:2@s.whatsapp.net"))), new[] { new Node("enc", Attrs(("v", "2")), new byte[200]) }),
            }),
            new Node("device-identity", content: new byte[150]),
        });

    [Fact]
    public void GetChild_walks_a_path_of_first_matches()
    {
        Assert.Equal("1555:1@s.whatsapp.net", Message.GetChild("participants", "to")!.GetAttr("jid"));
        Assert.Equal("enc", Message.GetChild("participants", "to", "enc")!.Tag);
        Assert.Null(Message.GetChild("participants", "nope"));
        Assert.Same(Message, Message.GetChild());
    }

    [Fact]
    public void GetChildren_returns_every_match_in_order()
    {
        var to = Message.GetChild("participants")!.GetChildren("to");

        Assert.Equal(["1555:1@s.whatsapp.net", "1555:2@s.whatsapp.net"], to.Select(n => n.GetAttr("jid")));
        Assert.Empty(Message.GetChildren("enc"));
    }

    [Fact]
    public void ToString_is_xml_ish_and_hides_bytes()
    {
        var text = new Node("iq", Attrs(("to", Jid.ServerJid), ("q", "a\"<b")), new[] { new Node("ping"), new Node("key", content: new byte[5000]) }).ToString();

        Assert.Equal("<iq to=\"@s.whatsapp.net\" q=\"a&quot;&lt;b\"><ping/><key>[5000 bytes]</key></iq>", text);
        Assert.EndsWith("…(1000 chars)</x>", new Node("x", content: new string('1', 1000)).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Equality_is_structural_and_ignores_attribute_order()
    {
        var a = new Node("iq", Attrs(("a", "1"), ("b", Jid.ServerJid)), new byte[] { 1, 2 });
        var b = new Node("iq", Attrs(("b", Jid.ServerJid), ("a", "1")), new byte[] { 1, 2 });

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, b with { Content = new byte[] { 1, 3 } });
        Assert.NotEqual(a, new Node("iq", Attrs(("a", "1"), ("b", "@s.whatsapp.net")), new byte[] { 1, 2 }));
    }

    [Fact]
    public void Node_copies_its_attributes()
    {
        var attrs = Attrs(("a", "1"));
        var node = new Node("iq", attrs);

        attrs["b"] = "2";

        Assert.Single(node.Attrs);
    }

    [Fact]
    public void Empty_tag_is_a_caller_mistake()
    {
        Assert.Throws<ArgumentException>(() => new Node(""));
        Assert.Throws<ArgumentException>(() => new Node("iq") with { Tag = "" });
    }

    [Fact]
    public void Round_trip_preserves_the_model()
    {
        Assert.Equal(Message, NodeReader.DecodeFrame(NodeWriter.EncodeFrame(Message)));
    }

    [Fact]
    public void AttrReader_collects_every_error_and_throws_once()
    {
        var node = new Node("receipt", Attrs(("from", Jid.Parse("1555:2@s.whatsapp.net")), ("t", "1700000000"), ("count", "x"), ("offline", "1"), ("participant", "1@lid")));
        var attrs = new AttrReader(node);

        var from = attrs.GetJid("from");
        var time = attrs.GetUnixTime("t");
        var offline = attrs.GetBool("offline");
        var participant = attrs.GetOptionalJid("participant");
        var count = attrs.GetInt32("count");
        var id = attrs.GetString("id");
        var missing = attrs.GetOptionalString("type");

        Assert.Equal(Jid.Parse("1555:2@s.whatsapp.net"), from);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), time);
        Assert.True(offline);
        Assert.Equal(Jid.Parse("1@lid"), participant);
        Assert.Equal(0, count);
        Assert.Equal("", id);
        Assert.Null(missing);
        Assert.False(attrs.IsValid);
        var ex = Assert.Throws<NodeAttributeException>(attrs.ThrowIfInvalid);
        Assert.Equal("receipt", ex.Tag);
        Assert.Equal(["attribute 'count' is not an integer: 'x'", "missing attribute 'id'"], ex.Errors);
    }

    [Fact]
    public void AttrReader_passes_when_everything_is_there()
    {
        var attrs = new AttrReader(new Node("iq", Attrs(("id", "1"), ("type", "result"))));

        Assert.Equal("1", attrs.GetString("id"));
        Assert.Equal(1, attrs.GetInt64("id"));
        attrs.ThrowIfInvalid();
        Assert.True(attrs.IsValid);
    }

    [Fact]
    public void Content_accessors_report_the_kind()
    {
        NodeContent bytes = new byte[] { 1 };
        NodeContent text = "x";
        NodeContent jid = Jid.ServerJid;

        Assert.True(bytes.TryGetBytes(out var b) && b.Length == 1);
        Assert.False(bytes.TryGetText(out _));
        Assert.True(text.TryGetText(out var t) && t == "x");
        Assert.True(jid.TryGetJid(out var j) && j == Jid.ServerJid);
        Assert.Equal(NodeContentKind.None, NodeContent.None.Kind);
        Assert.Equal(NodeContentKind.Bytes, NodeContent.FromBytes(new byte[] { 1, 2, 3 }.AsMemory(1)).Kind);
    }
}

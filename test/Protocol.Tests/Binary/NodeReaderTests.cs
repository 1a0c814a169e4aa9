using System.IO.Compression;
using WaOrleans.Protocol.Binary;
using static WaOrleans.Protocol.Tests.Binary.NodeWriterTests;

namespace WaOrleans.Protocol.Tests.Binary;

public sealed class NodeReaderTests
{
    [Fact]
    public void Ping_iq_decodes_with_the_server_jid_as_a_jid()
    {
        var node = NodeReader.DecodeFrame(Hex("00 F8 0A 19 11 FA 00 03 04 29 16 57 08 FF 83 1B 2A 3F F8 01 F8 01 56"));

        Assert.Equal("iq", node.Tag);
        Assert.True(node.Attrs["to"].TryGetJid(out var to));
        Assert.Equal(Jid.ServerJid, to);
        Assert.Equal("1.2-3", node.GetAttr("id"));
        Assert.Equal(["to", "type", "xmlns", "id"], node.Attrs.Keys);
        Assert.Equal("ping", Assert.Single(node.Children).Tag);
    }

    [Fact]
    public void Server_token_and_server_jid_stay_apart()
    {
        var token = NodeReader.DecodeFrame(Hex("00 F8 03 19 11 03"));
        var jid = NodeReader.DecodeFrame(Hex("00 F8 03 19 11 FA 00 03"));

        Assert.False(token.Attrs["to"].IsJid);
        Assert.True(jid.Attrs["to"].IsJid);
        Assert.NotEqual(token, jid);
        Assert.Equal("s.whatsapp.net", token.GetAttr("to"));
        Assert.Equal("@s.whatsapp.net", jid.GetAttr("to"));
    }

    [Theory]
    [InlineData("F7 00 07 FF 86 15 55 00 02 22 2F", "15550002222:7@s.whatsapp.net")]
    [InlineData("F7 01 07 FF 86 99 99 00 00 11 1F", "99990000111:7@lid")]
    [InlineData("F7 80 63 FF 84 55 11 99 9F", "5511999:99@hosted")]
    [InlineData("F7 81 00 FF 84 55 11 99 9F", "5511999@hosted.lid")]
    [InlineData("F7 09 03 FF 84 55 11 99 9F", "5511999_9:3@s.whatsapp.net")]
    [InlineData("FA 00 1C", "@g.us")]
    [InlineData("FA FC 00 1C", "@g.us")]
    [InlineData("F6 FF 82 12 3F 01 2C CC", "123:300@msgr")]
    [InlineData("F5 FF 82 12 3F 00 02 00 07 FC 07 69 6E 74 65 72 6F 70", "7-123:2@interop")]
    public void Jid_encodings_decode_to_jids(string hex, string expected)
    {
        var node = NodeReader.DecodeFrame([.. Hex("00 F8 03 19 11"), .. Hex(hex)]);

        Assert.True(node.Attrs["to"].TryGetJid(out var jid));
        Assert.Equal(expected, jid.ToString());
        Assert.Equal(Jid.Parse(expected), jid);
    }

    [Theory]
    [InlineData("FC 00", "")]
    [InlineData("00", "")]
    [InlineData("FF 00", "")]
    [InlineData("FF 80", "")]
    [InlineData("FF 81 1F", "1")]
    [InlineData("FF 81 12", "1")]
    [InlineData("FF 01 F1", "\u00001")]
    [InlineData("FB 81 AF", "A")]
    [InlineData("FD 00 00 02 68 69", "hi")]
    [InlineData("FD F0 00 02 68 69", "hi")]
    [InlineData("FE 00 00 00 02 68 69", "hi")]
    [InlineData("FC 02 FF FE", "\uFFFD\uFFFD")]
    public void Strings_decode_like_baileys(string hex, string expected)
    {
        var node = NodeReader.DecodeFrame([.. Hex("00 F8 03 19 11"), .. Hex(hex)]);

        Assert.Equal(expected, node.GetAttr("to"));
    }

    [Fact]
    public void Content_kinds_decode_like_baileys()
    {
        Assert.Equal(NodeContentKind.Bytes, Content("FC 02 68 69").Kind);
        Assert.Equal(NodeContentKind.Text, Content("FF 81 1F").Kind);
        Assert.Equal(NodeContentKind.Text, Content("56").Kind);
        Assert.Equal(NodeContentKind.Jid, Content("FA 00 03").Kind);
        Assert.Equal(NodeContentKind.Children, Content("00").Kind);
        Assert.Empty(Content("00").Children);

        static NodeContent Content(string hex) => NodeReader.DecodeFrame([.. Hex("00 F8 02 19"), .. Hex(hex)]).Content;
    }

    [Fact]
    public void Repeated_attribute_keeps_its_first_place_and_last_value()
    {
        var node = NodeReader.DecodeFrame(Hex("00 F8 07 19 11 29 04 56 11 5A"));

        Assert.Equal(["to", "type"], node.Attrs.Keys);
        Assert.Equal("set", node.GetAttr("to"));
    }

    [Fact]
    public void Many_repeated_attributes_are_merged_the_same_way()
    {
        string[] keys = ["11", "04", "08", "06", "0C"];
        var attrs = string.Concat(Enumerable.Range(0, 20).Select(i => $" {keys[i % keys.Length]} FF 01 {i / 10}{i % 10}"));

        var node = NodeReader.DecodeFrame(Hex("00 F8 29 19" + attrs));

        Assert.Equal(["to", "type", "id", "from", "jid"], node.Attrs.Keys);
        Assert.Equal(["15", "16", "17", "18", "19"], node.Attrs.Values.Select(v => v.ToString()));
    }

    [Fact]
    public void Compressed_frame_is_inflated()
    {
        var node = new Node("iq", Attrs(("id", "abc")), new byte[5000]);

        var node2 = NodeReader.DecodeFrame(Compress(NodeWriter.EncodeFrame(node).AsSpan(1)));

        Assert.Equal(node, node2);
    }

    [Fact]
    public void Frame_inflating_past_16_MiB_is_rejected()
    {
        var bomb = new byte[(16 << 20) + 16];
        bomb[0] = 0xF8;

        var ex = Assert.Throws<NodeDecodeException>(() => NodeReader.DecodeFrame(Compress(bomb)));
        Assert.Contains("inflates to more than", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("02 00 01 02", "zlib")]
    [InlineData("00", "too early")]
    [InlineData("00 F8 01", "too early")]
    [InlineData("00 00", "at least a tag")]
    [InlineData("00 F8 01 FC 00", "tag is empty")]
    [InlineData("00 F8 01 56 00", "leftover")]
    [InlineData("00 19", "expected a list")]
    [InlineData("00 F8 01 F0", "expected a string")]
    [InlineData("00 F8 03 19 11 FF 01 CD", "nibble 12")]
    [InlineData("00 F8 03 19 11 FA 11 FC 00", "empty server")]
    [InlineData("00 F8 03 19 11 FA FA 00 03 03", "JID inside a JID")]
    [InlineData("00 F8 03 19 11 F6 11 00 01 03", "instead of 'msgr'")]
    [InlineData("00 F8 03 19 11 F5 11 00 01 00 01 03", "instead of 'interop'")]
    [InlineData("00 F8 02 19 F8 05 F8 01 56", "too early")]
    [InlineData("00 F8 02 19 FE 7F FF FF FF", "too early")]
    [InlineData("00 F8 FF 19", "too early")]
    [InlineData("00 F8 02 19 FD 00 01 00", "too early")]
    public void Malformed_input_raises_node_decode_exception(string hex, string message)
    {
        var ex = Assert.Throws<NodeDecodeException>(() => NodeReader.DecodeFrame(Hex(hex)));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_is_bounded()
    {
        var node = new Node("a");
        for (var i = 0; i < 64; i++)
        {
            node = new Node("a", content: new[] { node });
        }

        Assert.Equal(node, NodeReader.DecodeFrame(NodeWriter.EncodeFrame(node)));
        var deeper = NodeWriter.EncodeFrame(new Node("a", content: new[] { node }));
        var ex = Assert.Throws<NodeDecodeException>(() => NodeReader.DecodeFrame(deeper));
        Assert.Contains("nest deeper", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reader_reads_consecutive_nodes()
    {
        var bytes = Hex("F8 01 56 F8 01 19");
        var reader = new NodeReader(bytes);

        Assert.Equal("ping", reader.ReadNode().Tag);
        Assert.Equal("iq", reader.ReadNode().Tag);
        Assert.Equal(0, reader.Remaining);
    }

    private static byte[] Compress(ReadOnlySpan<byte> node)
    {
        using var output = new MemoryStream();
        output.WriteByte(2);
        using (var zlib = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(node);
        }

        return output.ToArray();
    }
}

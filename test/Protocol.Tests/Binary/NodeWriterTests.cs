using WaOrleans.Protocol.Binary;

namespace WaOrleans.Protocol.Tests.Binary;

// Known-answer vectors: PROTOCOL.md §3.7 (Baileys' encoder, verified on the wire).
public sealed class NodeWriterTests
{
    [Fact]
    public void Ping_iq_encodes_as_in_the_protocol_notes()
    {
        var iq = new Node("iq", Attrs(("to", Jid.ServerJid), ("type", "get"), ("xmlns", "w:p"), ("id", "1.2-3")), new[] { new Node("ping") });

        Assert.Equal(Hex("00 F8 0A 19 11 FA 00 03 04 29 16 57 08 FF 83 1B 2A 3F F8 01 F8 01 56"), NodeWriter.EncodeFrame(iq));
    }

    [Theory]
    [InlineData("15550002222@s.whatsapp.net", "FA FF 86 15 55 00 02 22 2F 03")]
    [InlineData("15550002222:7@s.whatsapp.net", "F7 00 07 FF 86 15 55 00 02 22 2F")]
    [InlineData("99990000111:7@lid", "F7 01 07 FF 86 99 99 00 00 11 1F")]
    [InlineData("123-456@g.us", "FA FF 84 12 3A 45 6F 1C")]
    [InlineData("@s.whatsapp.net", "FA 00 03")]
    [InlineData("5511999:99@hosted", "F7 80 63 FF 84 55 11 99 9F")]
    [InlineData("5511999:3@hosted.lid", "F7 81 03 FF 84 55 11 99 9F")]
    [InlineData("5511999_9:3@s.whatsapp.net", "F7 09 03 FF 84 55 11 99 9F")]
    public void Jids_encode_as_in_the_protocol_notes(string jid, string hex)
    {
        Assert.Equal(Hex(hex), EncodeAttrValue(Jid.Parse(jid)));
    }

    [Fact]
    public void Messenger_and_interop_jids_use_their_own_tags()
    {
        Assert.Equal(Hex("F6 FF 82 12 3F 01 2C CC"), EncodeAttrValue(new Jid("123", JidServer.Messenger, device: 300)));
        Assert.Equal(Hex("F5 FF 82 12 3F 00 02 00 07 FC 07 69 6E 74 65 72 6F 70"), EncodeAttrValue(Jid.Parse("7-123:2@interop")));
    }

    [Theory]
    [InlineData("3EB0ABCDEF", "FB 05 3E B0 AB CD EF")]
    [InlineData("3EB0ABCDE", "FB 85 3E B0 AB CD EF")]
    [InlineData("3eb0", "FC 04 33 65 62 30")]
    [InlineData("", "FC 00")]
    [InlineData("s.whatsapp.net", "03")]
    [InlineData("read-self", "EC 00")]
    [InlineData("screen_height", "EB")]
    [InlineData("1961", "EF FF")]
    [InlineData("1234", "FF 02 12 34")]
    public void Strings_use_token_then_nibble_then_hex_then_raw(string value, string hex)
    {
        Assert.Equal(Hex(hex), EncodeAttrValue(value));
    }

    [Fact]
    public void A_string_with_an_at_sign_stays_a_string()
    {
        Assert.Equal(Hex("FC 03 61 40 62"), EncodeAttrValue("a@b"));
    }

    [Fact]
    public void Packing_stops_at_127_characters()
    {
        var packed = EncodeAttrValue(new string('1', 127));
        var raw = EncodeAttrValue(new string('1', 128));

        Assert.Equal(Hex("FF C0"), packed[..2]);
        Assert.Equal(2 + 64, packed.Length);
        Assert.Equal(Hex("FC 80"), raw[..2]);
    }

    [Fact]
    public void Byte_content_encodes_as_in_the_protocol_notes()
    {
        var frame = NodeWriter.EncodeFrame(new Node("iq", content: new byte[] { 1, 2, 3 }));

        Assert.Equal(Hex("00 F8 02 19 FC 03 01 02 03"), frame);
    }

    [Theory]
    [InlineData(255, "FC FF")]
    [InlineData(256, "FD 00 01 00")]
    [InlineData((1 << 20) - 1, "FD 0F FF FF")]
    [InlineData(1 << 20, "FE 00 10 00 00")]
    public void Byte_lengths_pick_the_smallest_binary_tag(int length, string header)
    {
        var frame = NodeWriter.EncodeFrame(new Node("iq", content: new byte[length]));

        Assert.Equal(Hex(header), frame.AsSpan(4, Hex(header).Length).ToArray());
        Assert.Equal(4 + Hex(header).Length + length, frame.Length);
    }

    [Fact]
    public void Lists_of_256_or_more_use_list16()
    {
        var children = Enumerable.Range(0, 300).Select(_ => new Node("ping")).ToArray();

        var frame = NodeWriter.EncodeFrame(new Node("iq", content: children));

        Assert.Equal(Hex("00 F8 02 19 F9 01 2C F8 01 56"), frame[..10]);
    }

    [Fact]
    public void Empty_children_and_text_content_follow_baileys()
    {
        Assert.Equal(Hex("00 F8 02 19 00"), NodeWriter.EncodeFrame(new Node("iq", content: Array.Empty<Node>())));
        Assert.Equal(Hex("00 F8 02 19 FC 00"), NodeWriter.EncodeFrame(new Node("iq", content: "")));
        Assert.Equal(Hex("00 F8 02 19 FA 00 03"), NodeWriter.EncodeFrame(new Node("iq", content: Jid.ServerJid)));
    }

    [Fact]
    public void Writer_splits_output_across_small_buffers()
    {
        var node = new Node("iq", Attrs(("id", "3EB0ABCDEF")), new byte[10_000]);
        var output = new System.Buffers.ArrayBufferWriter<byte>(1);

        NodeWriter.WriteFrame(node, output);

        Assert.Equal(NodeWriter.EncodeFrame(node), output.WrittenSpan.ToArray());
        Assert.Equal(node, NodeReader.DecodeFrame(output.WrittenSpan));
    }

    [Fact]
    public void Oversized_lists_are_a_caller_mistake()
    {
        var node = new Node("iq", content: Enumerable.Range(0, ushort.MaxValue + 1).Select(_ => new Node("ping")).ToArray());

        Assert.Throws<ArgumentException>(() => NodeWriter.EncodeFrame(node));
    }

    internal static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    internal static Dictionary<string, AttrValue> Attrs(params (string Key, AttrValue Value)[] attrs) =>
        attrs.ToDictionary(a => a.Key, a => a.Value);

    // Encodes <iq to=VALUE/> and returns the bytes of VALUE alone.
    private static byte[] EncodeAttrValue(AttrValue value)
    {
        var frame = NodeWriter.EncodeFrame(new Node("iq", Attrs(("to", value))));
        Assert.Equal(Hex("00 F8 03 19 11"), frame[..5]);
        return frame[5..];
    }
}

using System.IO.Compression;
using WaOrleans.Protocol.Binary;

namespace WaOrleans.Protocol.Tests.Binary;

/// <summary>Covers the decoder overloads whose byte content shares the frame array, and packed strings.</summary>
public sealed class NodeReaderSharingTests
{
    private static readonly Node Stanza = new(
        "message",
        new Dictionary<string, AttrValue> { ["to"] = Jid.Parse("1555:3@s.whatsapp.net"), ["id"] = "3EB0AB12" },
        new[] { new Node("enc", new Dictionary<string, AttrValue> { ["v"] = "2" }, new byte[] { 1, 2, 3, 4 }), new Node("body", content: new byte[300]) });

    [Fact]
    public void Byte_array_overload_slices_the_frame_instead_of_copying()
    {
        var frame = NodeWriter.EncodeFrame(Stanza);
        var node = NodeReader.DecodeFrame(frame);

        Assert.Equal(Stanza, node);
        Assert.True(node.GetChild("enc")!.Content.TryGetBytes(out var bytes));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes, out var segment));
        Assert.Same(frame, segment.Array);
        Assert.Equal([1, 2, 3, 4], bytes.ToArray());
    }

    [Fact]
    public void Memory_overload_honours_the_offset_and_copies_compressed_frames()
    {
        var frame = NodeWriter.EncodeFrame(Stanza);
        byte[] padded = [0xEE, 0xEE, .. frame, 0xEE];
        Assert.Equal(Stanza, NodeReader.DecodeFrame(padded.AsMemory(2, frame.Length)));
        Assert.Throws<NodeDecodeException>(() => NodeReader.DecodeFrame(padded.AsMemory(2, frame.Length + 1)));
        Assert.Throws<NodeDecodeException>(() => NodeReader.DecodeFrame(Array.Empty<byte>()));

        using var deflated = new MemoryStream();
        using (var zlib = new ZLibStream(deflated, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(frame.AsSpan(1));
        }

        byte[] compressed = [BinaryConstants.CompressedFlag, .. deflated.ToArray()];
        Assert.Equal(Stanza, NodeReader.DecodeFrame(compressed));
    }

    [Theory]
    [InlineData("FF 82 12 3F", "123")]           // nibbles, odd: the filler is dropped
    [InlineData("FF 02 12 34", "1234")]          // nibbles, even
    [InlineData("FF 01 AB", "-.")]               // '-' and '.'
    [InlineData("FB 02 3E B0", "3EB0")]          // hex, even: the BCL conversion
    [InlineData("FB 82 3E BF", "3EB")]           // hex, odd
    public void Packed_strings_unpack_as_the_reference_decoders_do(string hex, string expected)
    {
        var node = NodeReader.DecodeFrame([.. NodeWriterTests.Hex("00 F8 02 19"), .. NodeWriterTests.Hex(hex)]);
        Assert.True(node.Content.TryGetText(out var text));
        Assert.Equal(expected, text);
    }

    [Fact]
    public void A_nibble_outside_the_alphabet_is_rejected()
    {
        Assert.Throws<NodeDecodeException>(() => NodeReader.DecodeFrame([.. NodeWriterTests.Hex("00 F8 02 19 FF 01 1C")]));
    }

}

using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace WaOrleans.Protocol.Binary;

/// <summary>
/// Encodes binary nodes into an <see cref="IBufferWriter{T}"/>, choosing the same encodings as
/// Baileys' encoder (<c>WABinary/encode.js</c>), so both produce the same bytes for the same node.
/// </summary>
/// <remarks>
/// Strings are written as a single-byte token, else a double-byte token, else packed nibbles
/// (<c>[0-9.-]</c>), else packed hex (<c>[0-9A-F]</c>), else raw UTF-8; "" is an empty BINARY_8.
/// Unlike Baileys, a string that contains '@' stays a string: only <see cref="Jid"/> values are
/// written as JIDs. Call <see cref="Flush"/> when done, or use the static frame helpers.
/// </remarks>
public ref partial struct NodeWriter
{
    /// <summary>Asks the output for at least this many bytes at a time, so small writes do not each call <c>GetSpan</c>.</summary>
    private const int MinChunk = 4096;

    private readonly IBufferWriter<byte> _output;
    private Span<byte> _span;
    private int _buffered;

    /// <summary>Creates a writer that appends to <paramref name="output"/>.</summary>
    public NodeWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _span = default;
        _buffered = 0;
    }

    /// <summary>Encodes <paramref name="node"/> as a frame (flag byte 0, then the node) into a new array.</summary>
    /// <exception cref="ArgumentException">The node has a list of more than 65,535 entries.</exception>
    public static byte[] EncodeFrame(Node node)
    {
        var output = new ArrayBufferWriter<byte>();
        WriteFrame(node, output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Appends <paramref name="node"/> as a frame (flag byte 0, then the node) to <paramref name="output"/>.</summary>
    /// <exception cref="ArgumentException">The node has a list of more than 65,535 entries.</exception>
    public static void WriteFrame(Node node, IBufferWriter<byte> output)
    {
        var writer = new NodeWriter(output);
        writer.WriteByte(BinaryConstants.UncompressedFrame);
        writer.WriteNode(node);
        writer.Flush();
    }

    /// <summary>Writes one node (without a flag byte); call <see cref="Flush"/> afterwards.</summary>
    /// <exception cref="ArgumentException">The node has a list of more than 65,535 entries.</exception>
    public void WriteNode(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var kind = node.Content.Kind;
        WriteListStart(1 + (2 * node.Attrs.Count) + (kind == NodeContentKind.None ? 0 : 1));
        WriteString(node.Tag);
        foreach (var (key, value) in node.AttrMap.Entries)
        {
            WriteString(key);
            if (value.TryGetJid(out var jid))
            {
                WriteJid(jid);
            }
            else
            {
                WriteString(value.ToString());
            }
        }

        switch (kind)
        {
            case NodeContentKind.Children:
                var children = node.Content.ChildSpan;
                WriteListStart(children.Length);
                foreach (var child in children)
                {
                    WriteNode(child);
                }

                break;
            case NodeContentKind.Bytes:
                node.Content.TryGetBytes(out var bytes);
                WriteBinary(bytes.Span);
                break;
            case NodeContentKind.Text:
                node.Content.TryGetText(out var text);
                WriteString(text!);
                break;
            case NodeContentKind.Jid:
                node.Content.TryGetJid(out var content);
                WriteJid(content);
                break;
        }
    }

    /// <summary>Hands the buffered bytes to the output.</summary>
    public void Flush()
    {
        if (_buffered > 0)
        {
            _output.Advance(_buffered);
        }

        _span = default;
        _buffered = 0;
    }

    private void WriteListStart(int size)
    {
        if (size == 0)
        {
            WriteByte((byte)TokenTag.ListEmpty);
        }
        else if (size < BinaryConstants.List16Threshold)
        {
            WriteByte((byte)TokenTag.List8);
            WriteByte((byte)size);
        }
        else if (size <= ushort.MaxValue)
        {
            WriteByte((byte)TokenTag.List16);
            BinaryPrimitives.WriteUInt16BigEndian(Reserve(sizeof(ushort)), (ushort)size);
        }
        else
        {
            throw new ArgumentException($"a node list of {size} entries does not fit LIST_16", "node");
        }
    }

    private void WriteBinary(ReadOnlySpan<byte> bytes)
    {
        WriteBinaryLength(bytes.Length);
        bytes.CopyTo(Reserve(bytes.Length));
    }

    private void WriteBinaryLength(int length)
    {
        if (length < BinaryConstants.Binary20Threshold)
        {
            WriteByte((byte)TokenTag.Binary8);
            WriteByte((byte)length);
        }
        else if (length < BinaryConstants.Binary32Threshold)
        {
            var span = Reserve(4);
            span[0] = (byte)TokenTag.Binary20;
            span[1] = (byte)(length >> 16);
            span[2] = (byte)(length >> 8);
            span[3] = (byte)length;
        }
        else
        {
            WriteByte((byte)TokenTag.Binary32);
            BinaryPrimitives.WriteUInt32BigEndian(Reserve(sizeof(uint)), (uint)length);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteByte(byte value) => Reserve(1)[0] = value;

    // Returns the next `length` bytes of the output buffer and counts them as written.
    private Span<byte> Reserve(int length)
    {
        if (_span.Length - _buffered < length)
        {
            Flush();
            _span = _output.GetSpan(Math.Max(length, MinChunk));
        }

        var span = _span.Slice(_buffered, length);
        _buffered += length;
        return span;
    }
}

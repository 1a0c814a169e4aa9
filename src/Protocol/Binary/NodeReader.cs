using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace WaOrleans.Protocol.Binary;

/// <summary>
/// Decodes binary nodes from a span. Malformed input of any kind raises <see cref="NodeDecodeException"/>
/// and nothing else; every length is checked against the remaining bytes before anything is allocated.
/// </summary>
/// <remarks>
/// Follows Baileys' decoder (<c>WABinary/decode.js</c>), with these deliberate differences: JIDs keep
/// a raw agent (as whatsmeow does), a JID part may not itself be a JID, FB_JID and INTEROP_JID must
/// name their own servers, nesting is bounded by <see cref="BinaryConstants.MaxDepth"/>, and
/// leftover bytes after the node are an error.
/// </remarks>
public ref partial struct NodeReader
{
    private readonly ReadOnlySpan<byte> _data;

    // The array _data starts at _sharedOffset of, when byte content may be handed out as slices
    // of it instead of copies (see DecodeFrame(byte[])); null means copy.
    private readonly byte[]? _shared;
    private readonly int _sharedOffset;
    private int _position;

    /// <summary>Creates a reader over node bytes (after the frame's flag byte).</summary>
    public NodeReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    // A reader whose byte content shares the array: the caller promises never to change it.
    private NodeReader(byte[] array, int offset, int length)
    {
        _data = array.AsSpan(offset, length);
        _shared = array;
        _sharedOffset = offset;
        _position = 0;
    }

    /// <summary>Gets the offset of the next byte to read.</summary>
    public readonly int Position => _position;

    /// <summary>Gets how many bytes are left to read.</summary>
    public readonly int Remaining => _data.Length - _position;

    /// <summary>Decodes exactly one node from <paramref name="data"/> (no flag byte), rejecting leftover bytes.</summary>
    /// <exception cref="NodeDecodeException">The bytes are not exactly one well-formed node.</exception>
    public static Node Decode(ReadOnlySpan<byte> data)
    {
        var reader = new NodeReader(data);
        return reader.ReadWhole();
    }

    // Reads the one node that must fill the rest of the input.
    private Node ReadWhole()
    {
        var node = ReadNode();
        if (Remaining != 0)
        {
            ThrowHelper.ThrowDecode($"{Remaining} leftover byte(s) after the node", _position);
        }

        return node;
    }

    /// <summary>Reads the node that starts at <see cref="Position"/>.</summary>
    /// <exception cref="NodeDecodeException">The bytes there are not a well-formed node.</exception>
    public Node ReadNode() => ReadNode(depth: 0);

    private Node ReadNode(int depth)
    {
        if (depth > BinaryConstants.MaxDepth)
        {
            ThrowHelper.ThrowDecode($"nodes nest deeper than {BinaryConstants.MaxDepth} levels", _position);
        }

        var size = ReadListSize(ReadByte());
        if (size == 0)
        {
            ThrowHelper.ThrowDecode("a node must have at least a tag", _position);
        }

        var tag = ReadText(ReadByte());
        if (tag.Length == 0)
        {
            ThrowHelper.ThrowDecode("a node's tag is empty", _position);
        }

        // Each attribute takes at least two bytes (two token tags).
        var attrCount = (size - 1) >> 1;
        Require(attrCount * 2);
        var attrs = attrCount == 0 ? [] : new KeyValuePair<string, AttrValue>[attrCount];
        for (var i = 0; i < attrs.Length; i++)
        {
            var key = ReadText(ReadByte());
            attrs[i] = new(key, ReadValue(ReadByte()));
        }

        var content = size % 2 == 0 ? ReadContent(depth) : default;
        return new Node(tag, AttrMap.FromDecoded(attrs), content);
    }

    private NodeContent ReadContent(int depth)
    {
        var tag = ReadByte();
        switch ((TokenTag)tag)
        {
            case TokenTag.ListEmpty or TokenTag.List8 or TokenTag.List16:
                var count = ReadListSize(tag);
                Require(count * BinaryConstants.MinNodeSize);
                var children = count == 0 ? [] : new Node[count];
                for (var i = 0; i < children.Length; i++)
                {
                    children[i] = ReadNode(depth + 1);
                }

                return new NodeContent(children);
            case TokenTag.Binary8 or TokenTag.Binary20 or TokenTag.Binary32:
                return ReadByteContent(ReadBinaryLength(tag));
            case TokenTag.JidPair or TokenTag.AdJid or TokenTag.FbJid or TokenTag.InteropJid:
                return new NodeContent(ReadJid(tag));
            default:
                return new NodeContent(ReadString(tag));
        }
    }

    private NodeContent ReadByteContent(int length)
    {
        if (_shared is null)
        {
            return new NodeContent(ReadBytes(length).ToArray());
        }

        Require(length);
        var content = new NodeContent(_shared, _sharedOffset + _position, length);
        _position += length;
        return content;
    }

    private int ReadListSize(byte tag)
    {
        switch ((TokenTag)tag)
        {
            case TokenTag.ListEmpty:
                return 0;
            case TokenTag.List8:
                return ReadByte();
            case TokenTag.List16:
                return ReadUInt16();
            default:
                ThrowHelper.ThrowUnexpectedTag("a list", tag, _position - 1);
                return 0;
        }
    }

    // Attribute values: a JID stays a JID, everything else is a string (bytes decoded as UTF-8).
    private AttrValue ReadValue(byte tag) => (TokenTag)tag switch
    {
        TokenTag.JidPair or TokenTag.AdJid or TokenTag.FbJid or TokenTag.InteropJid => new AttrValue(ReadJid(tag)),
        _ => new AttrValue(ReadString(tag)),
    };

    // Tags and attribute keys: Baileys turns a JID there into its text, and so do we.
    private string ReadText(byte tag) => (TokenTag)tag switch
    {
        TokenTag.JidPair or TokenTag.AdJid or TokenTag.FbJid or TokenTag.InteropJid => ReadJid(tag).ToString(),
        _ => ReadString(tag),
    };

    private string ReadString(byte tag)
    {
        if (tag >= 1 && tag < Tokens.SingleByteCount)
        {
            return Tokens.GetSingleByte(tag);
        }

        switch ((TokenTag)tag)
        {
            case TokenTag.Dictionary0 or TokenTag.Dictionary1 or TokenTag.Dictionary2 or TokenTag.Dictionary3:
                return Tokens.GetDoubleByte(tag - (int)TokenTag.Dictionary0, ReadByte());
            case TokenTag.ListEmpty:
                return "";
            case TokenTag.Binary8 or TokenTag.Binary20 or TokenTag.Binary32:
                return Encoding.UTF8.GetString(ReadBytes(ReadBinaryLength(tag)));
            case TokenTag.Nibble8 or TokenTag.Hex8:
                return ReadPacked(tag);
            case TokenTag.JidPair or TokenTag.AdJid or TokenTag.FbJid or TokenTag.InteropJid:
                ThrowHelper.ThrowDecode("a JID inside a JID", _position - 1);
                return "";
            default:
                ThrowHelper.ThrowUnexpectedTag("a string", tag, _position - 1);
                return "";
        }
    }

    private int ReadBinaryLength(byte tag)
    {
        switch ((TokenTag)tag)
        {
            case TokenTag.Binary8:
                return ReadByte();
            case TokenTag.Binary20:
                var bytes = ReadBytes(3);
                return ((bytes[0] & 0x0F) << 16) | (bytes[1] << 8) | bytes[2];
            default:
                var length = BinaryPrimitives.ReadUInt32BigEndian(ReadBytes(sizeof(uint)));
                if (length > (uint)Remaining)
                {
                    ThrowHelper.ThrowTruncated((int)Math.Min(length - (uint)Remaining, int.MaxValue), _position);
                }

                return (int)length;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte ReadByte()
    {
        if ((uint)_position >= (uint)_data.Length)
        {
            ThrowHelper.ThrowTruncated(1, _position);
        }

        return _data[_position++];
    }

    private ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(ReadBytes(sizeof(ushort)));

    private ReadOnlySpan<byte> ReadBytes(int length)
    {
        Require(length);
        var bytes = _data.Slice(_position, length);
        _position += length;
        return bytes;
    }

    private readonly void Require(int length)
    {
        if (length > Remaining)
        {
            ThrowHelper.ThrowTruncated(length - Remaining, _position);
        }
    }
}

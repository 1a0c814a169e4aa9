namespace WaOrleans.Protocol.Binary;

/// <summary>Reads the structured strings: JIDs and packed nibble/hex strings.</summary>
public ref partial struct NodeReader
{
    // Marks the nibble values that are neither digit, '-', '.' nor filler.
    private const byte InvalidNibble = 0xFF;

    // Nibble values to characters: digits, '-', '.', three invalid values, then the filler as '\0'.
    private static ReadOnlySpan<byte> NibbleChars =>
        [(byte)'0', (byte)'1', (byte)'2', (byte)'3', (byte)'4', (byte)'5', (byte)'6', (byte)'7', (byte)'8', (byte)'9',
         (byte)'-', (byte)'.', InvalidNibble, InvalidNibble, InvalidNibble, 0];

    private static ReadOnlySpan<byte> HexChars => "0123456789ABCDEF"u8;

    private Jid ReadJid(byte tag)
    {
        var start = _position - 1;
        switch ((TokenTag)tag)
        {
            case TokenTag.JidPair:
            {
                var user = ReadString(ReadByte());
                var server = ReadString(ReadByte());
                if (server.Length == 0)
                {
                    ThrowHelper.ThrowDecode("a JID pair has an empty server", start);
                }

                return new Jid(user, server);
            }

            case TokenTag.AdJid:
            {
                var domainType = ReadByte();
                var device = ReadByte();
                var user = ReadString(ReadByte());
                var server = JidDomain.ToServer(domainType, out var agent);
                return new Jid(user, server, device, agent);
            }

            case TokenTag.FbJid:
            {
                var user = ReadString(ReadByte());
                var device = ReadUInt16();
                var server = ReadString(ReadByte());
                if (server != JidServer.Messenger)
                {
                    ThrowHelper.ThrowDecode($"an FB_JID names server '{server}' instead of '{JidServer.Messenger}'", start);
                }

                return new Jid(user, server, device);
            }

            default:
            {
                var user = ReadString(ReadByte());
                var device = ReadUInt16();
                var integrator = ReadUInt16();
                var server = ReadString(ReadByte());
                if (server != JidServer.Interop)
                {
                    ThrowHelper.ThrowDecode($"an INTEROP_JID names server '{server}' instead of '{JidServer.Interop}'", start);
                }

                return new Jid(user, server, device, integrator: integrator);
            }
        }
    }

    // Layout: a byte with the packed byte count in the low 7 bits and "odd length" in the top bit,
    // then two characters per byte, high nibble first. Like both reference decoders, the filler
    // nibble decodes to '\0' and the odd flag drops the last character whatever it is.
    private string ReadPacked(byte tag)
    {
        var header = ReadByte();
        var packed = ReadBytes(header & ~BinaryConstants.PackedOddFlag);
        var length = 2 * packed.Length;
        var odd = (header & BinaryConstants.PackedOddFlag) != 0 && length > 0;
        if (tag == (byte)TokenTag.Hex8 && !odd)
        {
            // Message ids: the vectorised BCL conversion, which writes upper-case digits too.
            return Convert.ToHexString(packed);
        }

        // Exactly the characters needed (at most 254), so the zeroing stackalloc costs little.
        Span<char> chars = stackalloc char[length];
        var table = tag == (byte)TokenTag.Nibble8 ? NibbleChars : HexChars;
        for (var i = 0; i < packed.Length; i++)
        {
            chars[2 * i] = Unpack(table, packed[i] >> 4, _position - packed.Length + i);
            chars[(2 * i) + 1] = Unpack(table, packed[i] & 0x0F, _position - packed.Length + i);
        }

        return new string(odd ? chars[..^1] : chars);
    }

    // Maps a nibble through its table; only the nibble table has holes (12 to 14).
    private static char Unpack(ReadOnlySpan<byte> table, int value, int offset)
    {
        var c = table[value];
        if (c == InvalidNibble)
        {
            ThrowHelper.ThrowDecode($"nibble {value} is not a digit, '-', '.' or filler", offset);
        }

        return (char)c;
    }
}

namespace WaOrleans.Protocol.Binary;

/// <summary>Reads the structured strings: JIDs and packed nibble/hex strings.</summary>
public ref partial struct NodeReader
{
    private const string HexDigits = "0123456789ABCDEF";

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
        Span<char> chars = stackalloc char[2 * BinaryConstants.PackedMax];
        var isNibble = tag == (byte)TokenTag.Nibble8;
        for (var i = 0; i < packed.Length; i++)
        {
            chars[2 * i] = Unpack(packed[i] >> 4, isNibble, _position - packed.Length + i);
            chars[(2 * i) + 1] = Unpack(packed[i] & 0x0F, isNibble, _position - packed.Length + i);
        }

        var length = 2 * packed.Length;
        if ((header & BinaryConstants.PackedOddFlag) != 0 && length > 0)
        {
            length--;
        }

        return new string(chars[..length]);
    }

    private static char Unpack(int value, bool isNibble, int offset)
    {
        if (!isNibble)
        {
            return HexDigits[value];
        }

        switch (value)
        {
            case < 10:
                return (char)('0' + value);
            case 10:
                return '-';
            case 11:
                return '.';
            case BinaryConstants.PackedFiller:
                return '\0';
            default:
                ThrowHelper.ThrowDecode($"nibble {value} is not a digit, '-', '.' or filler", offset);
                return '\0';
        }
    }
}

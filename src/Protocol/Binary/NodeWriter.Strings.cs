using System.Buffers.Binary;
using System.Text;

namespace WaOrleans.Protocol.Binary;

/// <summary>Writes strings (tokens, packed, raw) and JIDs.</summary>
public ref partial struct NodeWriter
{
    private void WriteString(string value)
    {
        if (value.Length == 0)
        {
            WriteBinaryLength(0);
        }
        else if (value.Length <= Tokens.MaxLength && Tokens.TryGetToken(value, out var token))
        {
            if (token > byte.MaxValue)
            {
                BinaryPrimitives.WriteUInt16BigEndian(Reserve(sizeof(ushort)), token);
            }
            else
            {
                WriteByte((byte)token);
            }
        }
        else if (value.Length <= BinaryConstants.PackedMax && IsPackable(value, nibble: true))
        {
            WritePacked(value, TokenTag.Nibble8);
        }
        else if (value.Length <= BinaryConstants.PackedMax && IsPackable(value, nibble: false))
        {
            WritePacked(value, TokenTag.Hex8);
        }
        else
        {
            var length = Encoding.UTF8.GetByteCount(value);
            WriteBinaryLength(length);
            Encoding.UTF8.GetBytes(value, Reserve(length));
        }
    }

    // The rules of Baileys' encodeBinaryNode: AD_JID for a device (or agent), JID_PAIR otherwise.
    // FB_JID and INTEROP_JID, which Baileys only decodes, follow whatsmeow's encoder.
    private void WriteJid(in Jid jid)
    {
        if (jid.Server == JidServer.Messenger)
        {
            WriteByte((byte)TokenTag.FbJid);
            WriteString(jid.User);
            BinaryPrimitives.WriteUInt16BigEndian(Reserve(sizeof(ushort)), jid.Device);
            WriteString(jid.Server);
        }
        else if (jid.Server == JidServer.Interop)
        {
            WriteByte((byte)TokenTag.InteropJid);
            WriteString(jid.User);
            BinaryPrimitives.WriteUInt16BigEndian(Reserve(sizeof(ushort)), jid.Device);
            BinaryPrimitives.WriteUInt16BigEndian(Reserve(sizeof(ushort)), jid.Integrator);
            WriteString(jid.Server);
        }
        else if (jid.Device != 0 || jid.Agent != 0)
        {
            var span = Reserve(3);
            span[0] = (byte)TokenTag.AdJid;
            span[1] = JidDomain.ToDomainType(jid);
            span[2] = (byte)jid.Device;
            WriteString(jid.User);
        }
        else
        {
            WriteByte((byte)TokenTag.JidPair);
            if (jid.User.Length == 0)
            {
                WriteByte((byte)TokenTag.ListEmpty);
            }
            else
            {
                WriteString(jid.User);
            }

            WriteString(jid.Server);
        }
    }

    private void WritePacked(string value, TokenTag tag)
    {
        var packedLength = (value.Length + 1) / 2;
        var span = Reserve(2 + packedLength);
        span[0] = (byte)tag;
        span[1] = (byte)(value.Length % 2 == 0 ? packedLength : packedLength | BinaryConstants.PackedOddFlag);
        for (var i = 0; i < packedLength; i++)
        {
            var high = Pack(value[2 * i]);
            var low = (2 * i) + 1 < value.Length ? Pack(value[(2 * i) + 1]) : BinaryConstants.PackedFiller;
            span[2 + i] = (byte)((high << 4) | low);
        }
    }

    // Digits pack the same in both alphabets; '-' and '.' only appear in nibble strings, A-F only in hex ones.
    private static int Pack(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        '-' => 10,
        '.' => 11,
        _ => c - 'A' + 10,
    };

    private static bool IsPackable(string value, bool nibble)
    {
        foreach (var c in value)
        {
            var ok = c is >= '0' and <= '9' || (nibble ? c is '-' or '.' : c is >= 'A' and <= 'F');
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}

using System.Buffers.Binary;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Signal;

namespace WaOrleans.Simulator;

/// <summary>Reads uploaded prekeys and writes key bundles in the node shapes of PROTOCOL.md §5.4.</summary>
internal static class PreKeyCodec
{
    /// <summary>Prekey ids travel as 3-byte big-endian numbers.</summary>
    private const int IdSize = 3;

    /// <summary>The DJB key-type byte sent as <c>&lt;type&gt;</c> and prefixed to signed keys.</summary>
    public const byte KeyTypeByte = 5;

    /// <summary>Reads <c>&lt;key&gt;&lt;id/&gt;&lt;value/&gt;&lt;/key&gt;</c>; null if malformed.</summary>
    public static (uint Id, byte[] Key)? ReadPreKey(Node key)
    {
        var id = Stanza.ChildBytes(key, "id");
        var value = Stanza.ChildBytes(key, "value");
        return id is { Length: IdSize } && value is { Length: Curve25519.KeySize } ? (ReadId(id), value) : null;
    }

    /// <summary>Reads <c>&lt;skey&gt;&lt;id/&gt;&lt;value/&gt;&lt;signature/&gt;&lt;/skey&gt;</c>; null if malformed.</summary>
    public static (uint Id, byte[] Key, byte[] Signature)? ReadSignedPreKey(Node skey)
    {
        var id = Stanza.ChildBytes(skey, "id");
        var value = Stanza.ChildBytes(skey, "value");
        var signature = Stanza.ChildBytes(skey, "signature");
        return id is { Length: IdSize } && value is { Length: Curve25519.KeySize } && signature is { Length: Curve25519.SignatureSize }
            ? (ReadId(id), value, signature)
            : null;
    }

    /// <summary>Writes one user's bundle, with a one-time prekey when one was left.</summary>
    public static Node WriteBundle(Jid jid, SignalRegistration registration, (uint Id, byte[] Key)? preKey)
    {
        var registrationId = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(registrationId, registration.RegistrationId);
        var children = new List<Node>
        {
            Stanza.Make("registration", registrationId),
            Stanza.Make("type", new byte[] { KeyTypeByte }),
            Stanza.Make("identity", registration.IdentityKey),
            Stanza.Make("skey", NodeContent.FromChildren(
                Stanza.Make("id", WriteId(registration.SignedPreKeyId)),
                Stanza.Make("value", registration.SignedPreKey),
                Stanza.Make("signature", registration.SignedPreKeySignature))),
        };
        if (preKey is { } key)
        {
            children.Add(Stanza.Make("key", NodeContent.FromChildren(Stanza.Make("id", WriteId(key.Id)), Stanza.Make("value", key.Key))));
        }

        return Stanza.Make("user", NodeContent.FromChildren(children), ("jid", jid));
    }

    /// <summary>
    /// Writes the <c>keys</c> of a retry receipt (PROTOCOL.md §7.5): type, identity, the one-time
    /// prekey when one is left, and the signed prekey. A primary phone has no device identity to add.
    /// </summary>
    public static Node WriteRetryKeys(SignalRegistration registration, (uint Id, byte[] Key)? preKey)
    {
        var children = new List<Node>
        {
            Stanza.Make("type", new byte[] { KeyTypeByte }),
            Stanza.Make("identity", registration.IdentityKey),
        };
        if (preKey is { } key)
        {
            children.Add(Stanza.Make("key", NodeContent.FromChildren(Stanza.Make("id", WriteId(key.Id)), Stanza.Make("value", key.Key))));
        }

        children.Add(Stanza.Make("skey", NodeContent.FromChildren(
            Stanza.Make("id", WriteId(registration.SignedPreKeyId)),
            Stanza.Make("value", registration.SignedPreKey),
            Stanza.Make("signature", registration.SignedPreKeySignature))));
        return Stanza.Make("keys", NodeContent.FromChildren(children));
    }

    /// <summary>Reads the bundle a retry receipt carries (its <c>registration</c> and <c>keys</c>); null when it has none or it is malformed.</summary>
    public static PreKeyBundle? ReadRetryBundle(Node receipt, ushort deviceId)
    {
        var registration = Stanza.ChildBytes(receipt, "registration");
        if (receipt.GetChild("keys") is not { } keys || registration is not { Length: 4 }
            || Stanza.ChildBytes(keys, "identity") is not { Length: Curve25519.KeySize } identity
            || keys.GetChild("skey") is not { } skey || ReadSignedPreKey(skey) is not { } signed)
        {
            return null;
        }

        var preKey = keys.GetChild("key") is { } key && ReadPreKey(key) is { } oneTime ? new BundlePreKey(new PreKeyId(oneTime.Id), oneTime.Key) : (BundlePreKey?)null;
        return new PreKeyBundle(new RegistrationId(BinaryPrimitives.ReadUInt32BigEndian(registration)), new DeviceId(deviceId),
            new SignedPreKeyId(signed.Id), signed.Key, signed.Signature, IdentityKey.FromBytes(identity), preKey);
    }

    /// <summary>Writes a per-user error for a JID the server has no keys for.</summary>
    public static Node WriteMissing(Jid jid) =>
        Stanza.Make("user", NodeContent.FromChildren(Stanza.Make("error", default, ("code", "404"), ("text", "item-not-found"))), ("jid", jid));

    /// <summary>Reads a 3-byte big-endian id.</summary>
    public static uint ReadId(ReadOnlySpan<byte> id) => (uint)(id[0] << 16 | id[1] << 8 | id[2]);

    /// <summary>Writes a 3-byte big-endian id.</summary>
    public static byte[] WriteId(uint id) => [(byte)(id >> 16), (byte)(id >> 8), (byte)id];
}

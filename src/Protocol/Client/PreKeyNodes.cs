using System.Buffers.Binary;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Signal.State;
using WaOrleans.Protocol.Store;

namespace WaOrleans.Protocol.Client;

/// <summary>The nodes of the prekey iqs (PROTOCOL.md §5.4).</summary>
internal static class PreKeyNodes
{
    /// <summary>Size of a prekey id on the wire: 3 bytes big-endian.</summary>
    private const int IdSize = 3;

    /// <summary>Encodes a prekey id as 3 bytes big-endian.</summary>
    public static byte[] EncodeId(uint id)
    {
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(four, id);
        return four[(4 - IdSize)..].ToArray();
    }

    /// <summary>Builds the children of the upload iq: registration, type, identity, list of keys, signed prekey.</summary>
    public static Node[] Upload(DeviceCredentials credentials, IReadOnlyList<PreKeyRecord> preKeys)
    {
        var registration = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(registration, credentials.RegistrationId.Value);
        var keys = new Node[preKeys.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = new Node("key", content: NodeContent.FromChildren(
                new Node("id", content: EncodeId(preKeys[i].Id.Value)),
                new Node("value", content: preKeys[i].KeyPair.PublicKeyBytes())));
        }

        var signed = credentials.SignedPreKey;
        return
        [
            new Node("registration", content: registration),
            new Node("type", content: new[] { ClientConstants.KeyTypeDjb }),
            new Node("identity", content: credentials.IdentityKey.KeyPair.PublicKeyBytes()),
            new Node("list", content: NodeContent.FromChildren(keys)),
            new Node("skey", content: NodeContent.FromChildren(
                new Node("id", content: EncodeId(signed.Id.Value)),
                new Node("value", content: signed.KeyPair.PublicKeyBytes()),
                new Node("signature", content: signed.SignatureBytes()))),
        ];
    }
}

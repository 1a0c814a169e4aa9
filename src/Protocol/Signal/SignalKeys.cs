using Google.Protobuf;
using WaOrleans.Protocol.Crypto;

namespace WaOrleans.Protocol.Signal;

/// <summary>Reads and writes Curve25519 keys in the Signal forms: <c>05 || key</c> on the wire, raw in storage.</summary>
internal static class SignalKeys
{
    /// <summary>Reads a public key: 33 bytes starting with <c>05</c>, or (when allowed) the raw 32 bytes.</summary>
    internal static byte[] ReadPublicKey(ReadOnlySpan<byte> key, bool allowRaw)
    {
        if (key.Length == SignalConstants.SerializedPublicKeySize && key[0] == SignalConstants.DjbKeyType)
        {
            return key[1..].ToArray();
        }

        if (allowRaw && key.Length == Curve25519.KeySize)
        {
            return key.ToArray();
        }

        SignalProtocolException.Throw(SignalErrorKind.InvalidKey, $"not a Curve25519 public key ({key.Length} bytes)");
        return null!;
    }

    /// <summary>Reads a wire public key, which must carry the <c>05</c> type byte.</summary>
    internal static byte[] ReadPublicKey(ByteString key) => ReadPublicKey(key.Span, allowRaw: false);

    /// <summary>Returns <c>05 || key</c>.</summary>
    internal static byte[] Serialize(ReadOnlySpan<byte> publicKey)
    {
        var serialized = new byte[SignalConstants.SerializedPublicKeySize];
        serialized[0] = SignalConstants.DjbKeyType;
        publicKey.CopyTo(serialized.AsSpan(1));
        return serialized;
    }

    /// <summary>Returns <c>05 || key</c> as a protobuf byte string.</summary>
    internal static ByteString SerializeToByteString(ReadOnlySpan<byte> publicKey) =>
        UnsafeByteOperations.UnsafeWrap(Serialize(publicKey));

    /// <summary>Rebuilds a stored key pair without recomputing the public key.</summary>
    internal static KeyPair ReadKeyPair(ByteString publicKey, ByteString privateKey)
    {
        if (publicKey.Length != Curve25519.KeySize || privateKey.Length != Curve25519.KeySize)
        {
            SignalProtocolException.Throw(SignalErrorKind.CorruptRecord, "stored key pair has the wrong size");
        }

        return new KeyPair(privateKey.ToByteArray(), publicKey.ToByteArray());
    }

    /// <summary>Wraps an array the caller will not change again as a protobuf byte string (no copy).</summary>
    internal static ByteString Wrap(byte[] bytes) => UnsafeByteOperations.UnsafeWrap(bytes);
}

/// <summary>Parses and writes the storage protobufs, turning parse failures into <see cref="SignalErrorKind.CorruptRecord"/>.</summary>
internal static class RecordParser
{
    /// <summary>Parses a stored record.</summary>
    internal static T Parse<T>(MessageParser<T> parser, ReadOnlySpan<byte> bytes, string what)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            SignalProtocolException.Throw(SignalErrorKind.CorruptRecord, $"stored {what} is not readable", e);
            return default!;
        }
    }

    /// <summary>Serializes a record (deterministic: the storage messages hold no maps).</summary>
    internal static byte[] ToBytes(IMessage message) => message.ToByteArray();
}

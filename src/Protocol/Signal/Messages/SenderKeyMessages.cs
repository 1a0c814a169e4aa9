// The group sender-key wire messages (PROTOCOL.md §5.6): parse, build, sign and verify. This file
// knows the byte layout only; it must not know sender-key records, chains or stores.
using Google.Protobuf;
using WaOrleans.Protocol.Crypto;

namespace WaOrleans.Protocol.Signal.Messages;

/// <summary>
/// A SenderKeyMessage (<c>skmsg</c>): <c>33 || protobuf{key id, iteration, ciphertext} || sig64</c>,
/// signed by the sender's signing key over everything before the signature.
/// </summary>
public sealed class SenderKeyMessage
{
    private const int MinimumSize = 1 + Curve25519.SignatureSize + 1;

    private readonly byte[] _serialized;

    private SenderKeyMessage(byte[] serialized, SenderKeyId keyId, uint iteration, ByteString ciphertext)
    {
        _serialized = serialized;
        KeyId = keyId;
        Iteration = iteration;
        Ciphertext = ciphertext;
    }

    /// <summary>Gets the sender key id.</summary>
    public SenderKeyId KeyId { get; }

    /// <summary>Gets the message's iteration in the sender's chain.</summary>
    public uint Iteration { get; }

    /// <summary>Gets the whole message as sent.</summary>
    public ReadOnlyMemory<byte> Serialized => _serialized;

    /// <summary>Gets the AES-256-CBC ciphertext.</summary>
    internal ByteString Ciphertext { get; }

    /// <summary>Parses a SenderKeyMessage (the signature is checked later, against the sender's key).</summary>
    /// <exception cref="SignalProtocolException">The bytes are not a v3 SenderKeyMessage.</exception>
    public static SenderKeyMessage Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < MinimumSize)
        {
            SignalProtocolException.Throw(SignalErrorKind.InvalidMessage, $"SenderKeyMessage too short ({bytes.Length} bytes)");
        }

        WireFormat.CheckVersion(bytes[0], "SenderKeyMessage");
        var proto = WireFormat.ParseProto(Proto.SenderKeyMessage.Parser, bytes[1..^Curve25519.SignatureSize], "SenderKeyMessage");
        if (!proto.HasId || !proto.HasIteration || !proto.HasCiphertext)
        {
            SignalProtocolException.Throw(SignalErrorKind.InvalidMessage, "SenderKeyMessage lacks its key id, iteration or ciphertext");
        }

        WireFormat.CheckCiphertext(proto.Ciphertext, "SenderKeyMessage");
        return new SenderKeyMessage(bytes.ToArray(), new SenderKeyId(proto.Id), proto.Iteration, proto.Ciphertext);
    }

    /// <summary>Builds and signs a SenderKeyMessage.</summary>
    internal static SenderKeyMessage Create(SenderKeyId keyId, uint iteration, byte[] ciphertext, ReadOnlySpan<byte> signingPrivateKey)
    {
        var proto = new Proto.SenderKeyMessage { Id = keyId.Value, Iteration = iteration, Ciphertext = SignalKeys.Wrap(ciphertext) };
        var protoSize = proto.CalculateSize();
        var serialized = new byte[1 + protoSize + Curve25519.SignatureSize];
        serialized[0] = SignalConstants.VersionByte;
        proto.WriteTo(serialized.AsSpan(1, protoSize));
        Curve25519.Sign(signingPrivateKey, serialized.AsSpan(0, 1 + protoSize), serialized.AsSpan(1 + protoSize));
        return new SenderKeyMessage(serialized, keyId, iteration, proto.Ciphertext);
    }

    /// <summary>Checks the signature against the sender's signing public key (raw 32 bytes).</summary>
    internal bool VerifySignature(ReadOnlySpan<byte> signingPublicKey) =>
        Curve25519.Verify(
            signingPublicKey,
            _serialized.AsSpan(0, _serialized.Length - Curve25519.SignatureSize),
            _serialized.AsSpan(_serialized.Length - Curve25519.SignatureSize));

    /// <summary>Describes the message by its key id and iteration.</summary>
    public override string ToString() => $"SenderKeyMessage(key {KeyId}, iteration {Iteration})";
}

/// <summary>
/// A SenderKeyDistributionMessage (SKDM): <c>33 || protobuf{key id, iteration, chain key, signing
/// key}</c>. It hands a sender's chain to one group member, inside a 1:1 Signal message.
/// </summary>
/// <remarks><see cref="ToString"/> prints the id and iteration, never the chain key.</remarks>
public sealed class SenderKeyDistributionMessage
{
    private readonly byte[] _serialized;

    private SenderKeyDistributionMessage(byte[] serialized, SenderKeyId keyId, uint iteration, byte[] chainKey, byte[] signingKey)
    {
        _serialized = serialized;
        KeyId = keyId;
        Iteration = iteration;
        ChainKey = chainKey;
        SigningKey = signingKey;
    }

    /// <summary>Gets the sender key id.</summary>
    public SenderKeyId KeyId { get; }

    /// <summary>Gets the iteration the chain key is at.</summary>
    public uint Iteration { get; }

    /// <summary>Gets the whole message as sent.</summary>
    public ReadOnlyMemory<byte> Serialized => _serialized;

    /// <summary>Gets the 32-byte chain key.</summary>
    internal byte[] ChainKey { get; }

    /// <summary>Gets the sender's signing public key (raw 32 bytes).</summary>
    internal byte[] SigningKey { get; }

    /// <summary>Parses a SenderKeyDistributionMessage.</summary>
    /// <exception cref="SignalProtocolException">The bytes are not a v3 SenderKeyDistributionMessage.</exception>
    public static SenderKeyDistributionMessage Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 2)
        {
            SignalProtocolException.Throw(SignalErrorKind.InvalidMessage, $"SenderKeyDistributionMessage too short ({bytes.Length} bytes)");
        }

        WireFormat.CheckVersion(bytes[0], "SenderKeyDistributionMessage");
        var proto = WireFormat.ParseProto(Proto.SenderKeyDistributionMessage.Parser, bytes[1..], "SenderKeyDistributionMessage");
        if (!proto.HasId || !proto.HasIteration || !proto.HasChainKey || !proto.HasSigningKey
            || proto.ChainKey.Length != SignalConstants.KeySize)
        {
            SignalProtocolException.Throw(SignalErrorKind.InvalidMessage, "SenderKeyDistributionMessage lacks its id, iteration, chain key or signing key");
        }

        // Baileys fixes up a 32-byte signing key by adding the 05 byte; accept both forms.
        var signingKey = SignalKeys.ReadPublicKey(proto.SigningKey.Span, allowRaw: true);
        return new SenderKeyDistributionMessage(bytes.ToArray(), new SenderKeyId(proto.Id), proto.Iteration, proto.ChainKey.ToByteArray(), signingKey);
    }

    /// <summary>Builds a distribution message for our sending chain.</summary>
    internal static SenderKeyDistributionMessage Create(SenderKeyId keyId, uint iteration, byte[] chainKey, byte[] signingPublicKey)
    {
        var proto = new Proto.SenderKeyDistributionMessage
        {
            Id = keyId.Value,
            Iteration = iteration,
            ChainKey = ByteString.CopyFrom(chainKey),
            SigningKey = SignalKeys.SerializeToByteString(signingPublicKey),
        };
        var serialized = new byte[1 + proto.CalculateSize()];
        serialized[0] = SignalConstants.VersionByte;
        proto.WriteTo(serialized.AsSpan(1));
        return new SenderKeyDistributionMessage(serialized, keyId, iteration, chainKey, signingPublicKey);
    }

    /// <summary>Describes the message by its key id and iteration.</summary>
    public override string ToString() => $"SenderKeyDistributionMessage(key {KeyId}, iteration {Iteration})";
}

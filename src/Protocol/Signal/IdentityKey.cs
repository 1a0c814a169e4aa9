using WaOrleans.Protocol.Crypto;

namespace WaOrleans.Protocol.Signal;

/// <summary>
/// A peer's long-term identity public key (32-byte Curve25519), compared by value. On the Signal
/// wire it travels with the <c>05</c> type byte (<see cref="Serialize"/>).
/// </summary>
public sealed class IdentityKey : IEquatable<IdentityKey>
{
    private readonly byte[] _publicKey;

    private IdentityKey(byte[] publicKey) => _publicKey = publicKey;

    /// <summary>Gets the raw 32-byte public key.</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    /// <summary>
    /// Reads an identity key from its 33-byte serialized form (<c>05 || key</c>) or from the raw
    /// 32 bytes that WhatsApp nodes carry.
    /// </summary>
    /// <exception cref="SignalProtocolException">The bytes are not a public key (<see cref="SignalErrorKind.InvalidKey"/>).</exception>
    public static IdentityKey FromBytes(ReadOnlySpan<byte> key) => new(SignalKeys.ReadPublicKey(key, allowRaw: true));

    /// <summary>Copies the key into a new array as <c>05 || key</c> (33 bytes).</summary>
    public byte[] Serialize() => SignalKeys.Serialize(_publicKey);

    /// <summary>Copies the raw 32-byte public key into a new array.</summary>
    public byte[] PublicKeyBytes() => (byte[])_publicKey.Clone();

    /// <summary>Checks a signature made with this identity's private key.</summary>
    public bool VerifySignature(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        Curve25519.Verify(_publicKey, message, signature);

    /// <inheritdoc/>
    public bool Equals(IdentityKey? other) => other is not null && _publicKey.AsSpan().SequenceEqual(other._publicKey);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as IdentityKey);

    /// <inheritdoc/>
    public override int GetHashCode() => BitConverter.ToInt32(_publicKey, 0);

    /// <summary>Describes the key by its first bytes.</summary>
    public override string ToString() => $"IdentityKey({Convert.ToHexStringLower(_publicKey, 0, 4)}…)";

    /// <summary>Wraps a raw 32-byte key the caller hands over (no copy).</summary>
    internal static IdentityKey FromRawUnchecked(byte[] publicKey) => new(publicKey);
}

/// <summary>Our own identity: the key pair every session and signed prekey is bound to.</summary>
/// <remarks><see cref="ToString"/> never prints the private key.</remarks>
public sealed class IdentityKeyPair
{
    /// <summary>Creates an identity from a Curve25519 key pair.</summary>
    public IdentityKeyPair(KeyPair keyPair)
    {
        ArgumentNullException.ThrowIfNull(keyPair);
        KeyPair = keyPair;
        PublicKey = IdentityKey.FromRawUnchecked(keyPair.PublicKeyBytes());
    }

    /// <summary>Gets the public half.</summary>
    public IdentityKey PublicKey { get; }

    /// <summary>Gets the key pair (for agreement and signing).</summary>
    public KeyPair KeyPair { get; }

    /// <summary>Generates a fresh identity.</summary>
    public static IdentityKeyPair Generate(ISignalRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return new IdentityKeyPair(random.NextKeyPair());
    }

    /// <summary>Reads an identity written by <see cref="Serialize"/>.</summary>
    /// <exception cref="SignalProtocolException">The bytes are not an identity record (<see cref="SignalErrorKind.CorruptRecord"/>).</exception>
    public static IdentityKeyPair Deserialize(ReadOnlySpan<byte> bytes)
    {
        var structure = RecordParser.Parse(Storage.IdentityKeyPairStructure.Parser, bytes, "identity key pair");
        return new IdentityKeyPair(SignalKeys.ReadKeyPair(structure.PublicKey, structure.PrivateKey));
    }

    /// <summary>Serializes the identity (both halves) to the stable storage format.</summary>
    public byte[] Serialize() => RecordParser.ToBytes(new Storage.IdentityKeyPairStructure
    {
        PublicKey = Google.Protobuf.ByteString.CopyFrom(KeyPair.PublicKey),
        PrivateKey = Google.Protobuf.ByteString.CopyFrom(KeyPair.PrivateKey),
    });

    /// <summary>Signs a message with the identity's private key (libsignal-compatible).</summary>
    public byte[] Sign(ReadOnlySpan<byte> message) => Curve25519.Sign(KeyPair.PrivateKey, message);

    /// <summary>Describes the identity by its public key only.</summary>
    public override string ToString() => $"IdentityKeyPair({PublicKey})";
}

namespace WaOrleans.Protocol.Crypto;

/// <summary>
/// A Curve25519 key pair: a clamped 32-byte X25519 private scalar and its 32-byte Montgomery
/// public key (no <c>05</c> type prefix; the Signal layer adds it where the wire wants it).
/// </summary>
/// <remarks><see cref="ToString"/> prints the public key's first bytes only, never the private key.</remarks>
public sealed class KeyPair
{
    private readonly byte[] _privateKey;
    private readonly byte[] _publicKey;

    internal KeyPair(byte[] privateKey, byte[] publicKey, bool publicKeyDerived = false)
    {
        _privateKey = privateKey;
        _publicKey = publicKey;
        PublicKeyDerived = publicKeyDerived;
    }

    /// <summary>
    /// Gets whether this process computed the public key from the private key (so a store may keep
    /// the private key alone and derive the public key again), rather than reading both from storage.
    /// </summary>
    internal bool PublicKeyDerived { get; }

    /// <summary>Gets the 32-byte private scalar (clamped).</summary>
    public ReadOnlySpan<byte> PrivateKey => _privateKey;

    /// <summary>Gets the 32-byte public key.</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    /// <summary>Copies the public key into a new array.</summary>
    public byte[] PublicKeyBytes() => (byte[])_publicKey.Clone();

    /// <summary>Copies the private key into a new array (for persisting credentials).</summary>
    public byte[] PrivateKeyBytes() => (byte[])_privateKey.Clone();

    /// <summary>Describes the key pair by the start of its public key.</summary>
    public override string ToString() => $"KeyPair(pub {Convert.ToHexStringLower(_publicKey, 0, 4)}…)";
}

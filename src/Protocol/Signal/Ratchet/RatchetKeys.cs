// The Double Ratchet's key types (https://signal.org/docs/specifications/doubleratchet/): root key,
// chain key and message keys. They only compute; they must not know sessions, records, stores or
// the wire format. None of them prints key bytes.
using System.Security.Cryptography;
using WaOrleans.Protocol.Crypto;

namespace WaOrleans.Protocol.Signal.Ratchet;

/// <summary>The root key: each Diffie-Hellman ratchet step turns it into a new root key and a chain key.</summary>
internal sealed class RootKey(byte[] key)
{
    /// <summary>Gets the 32 key bytes.</summary>
    internal byte[] Key { get; } = key;

    /// <summary>
    /// Steps the Diffie-Hellman ratchet: HKDF(DH(ours, theirs), salt = this root, "WhisperRatchet")
    /// gives the next root key (first 32 bytes) and the new chain's key (next 32).
    /// </summary>
    internal (RootKey Root, ChainKey Chain) CreateChain(ReadOnlySpan<byte> theirRatchetKey, KeyPair ourRatchetKey)
    {
        Span<byte> shared = stackalloc byte[Curve25519.KeySize];
        Span<byte> derived = stackalloc byte[2 * SignalConstants.KeySize];
        try
        {
            Curve25519.SharedKey(ourRatchetKey.PrivateKey, theirRatchetKey, shared);
            SignalKdf.Derive(shared, Key, SignalKdf.WhisperRatchet, derived);
            return (new RootKey(derived[..SignalConstants.KeySize].ToArray()),
                    new ChainKey(derived[SignalConstants.KeySize..].ToArray(), 0));
        }
        catch (CryptoException e)
        {
            SignalProtocolException.Throw(SignalErrorKind.InvalidKey, "ratchet agreement with an invalid public key", e);
            return default;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
            CryptographicOperations.ZeroMemory(derived);
        }
    }

    /// <summary>Describes the key without its bytes.</summary>
    public override string ToString() => "RootKey(…)";
}

/// <summary>A symmetric-ratchet chain key and the index of the message key it derives next.</summary>
internal readonly struct ChainKey(byte[] key, uint index)
{
    /// <summary>Gets the 32 key bytes.</summary>
    internal byte[] Key { get; } = key;

    /// <summary>Gets the index of the message key this chain key derives.</summary>
    internal uint Index { get; } = index;

    /// <summary>Derives the next chain key only (for skipped keys too old to keep): HMAC-SHA256(chain key, 02), index + 1.</summary>
    internal ChainKey Next() => new(SignalKdf.ChainStep(Key, SignalKdf.ChainKeySeed), Index + 1);

    /// <summary>
    /// Derives this index's message-key seed, HMAC-SHA256(chain key, 01), and the next chain key,
    /// HMAC-SHA256(chain key, 02) at index + 1, keying the HMAC once for both.
    /// </summary>
    internal (byte[] MessageKeySeed, ChainKey Next) Advance()
    {
        var (seed, next) = SignalKdf.ChainSteps(Key);
        return (seed, new ChainKey(next, Index + 1));
    }

    /// <summary>Describes the chain by its index only.</summary>
    public override string ToString() => $"ChainKey(index {Index})";
}

/// <summary>The keys of one 1:1 message: AES-256-CBC key, HMAC-SHA256 key and IV.</summary>
internal readonly ref struct MessageKeys
{
    private const int MacKeyOffset = SignalConstants.KeySize;
    private const int IvOffset = 2 * SignalConstants.KeySize;

    /// <summary>The three 32-byte HKDF blocks; the IV is the first 16 bytes of the third.</summary>
    internal const int DerivedSize = 3 * SignalConstants.KeySize;

    private readonly Span<byte> _derived;

    /// <summary>Expands a seed with HKDF(seed, zeros, "WhisperMessageKeys") into <paramref name="buffer"/> (<see cref="DerivedSize"/> bytes).</summary>
    internal MessageKeys(ReadOnlySpan<byte> seed, Span<byte> buffer)
    {
        SignalKdf.Derive(seed, [], SignalKdf.WhisperMessageKeys, buffer);
        _derived = buffer;
    }

    /// <summary>Gets the AES-256 key.</summary>
    internal ReadOnlySpan<byte> CipherKey => _derived[..SignalConstants.KeySize];

    /// <summary>Gets the HMAC-SHA256 key.</summary>
    internal ReadOnlySpan<byte> MacKey => _derived.Slice(MacKeyOffset, SignalConstants.KeySize);

    /// <summary>Gets the AES-CBC IV.</summary>
    internal ReadOnlySpan<byte> Iv => _derived.Slice(IvOffset, SignalConstants.IvSize);

    /// <summary>Describes the keys without their bytes.</summary>
    public override string ToString() => "MessageKeys(…)";
}

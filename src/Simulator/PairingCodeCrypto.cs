using System.Security.Cryptography;
using System.Text;
using WaOrleans.Protocol.Crypto;

namespace WaOrleans.Simulator;

/// <summary>The phone's half of pairing-code linking, with the exact constructions of PROTOCOL.md §4.4.</summary>
internal static class PairingCodeCrypto
{
    /// <summary>Size of the bundle's HKDF salt.</summary>
    private const int SaltSize = 32;

    /// <summary>Size of the AES-GCM nonce in the wrapped key bundle.</summary>
    private const int GcmNonceSize = 12;

    /// <summary>Size of the AES-GCM tag appended to the bundle ciphertext.</summary>
    private const int GcmTagSize = 16;

    /// <summary>Size of the bundle plaintext: companion identity, primary identity, 32 random bytes.</summary>
    private const int BundlePlaintextSize = 3 * Curve25519.KeySize;

    /// <summary>Unwraps an 80-byte wrapped ephemeral public key with the code (a wrong code yields a different key, not an error).</summary>
    /// <exception cref="ArgumentException">The blob is not 80 bytes.</exception>
    public static byte[] UnwrapEphemeral(string code, ReadOnlySpan<byte> wrapped)
    {
        if (wrapped.Length != PairingCodeWrap.WrappedKeySize)
        {
            throw new ArgumentException($"a wrapped ephemeral key is {PairingCodeWrap.WrappedKeySize} bytes, not {wrapped.Length}", nameof(wrapped));
        }

        return PairingCodeWrap.Unwrap(code, wrapped);
    }

    /// <summary>Wraps an ephemeral public key with the code under a fresh salt and IV.</summary>
    public static byte[] WrapEphemeral(string code, ReadOnlySpan<byte> publicKey) =>
        PairingCodeWrap.Wrap(code, publicKey, RandomNumberGenerator.GetBytes(PairingCodeWrap.SaltAndIvSize));

    /// <summary>
    /// Opens the companion's key bundle with the ephemeral shared secret; returns the companion
    /// identity, the primary identity it names and the random tail, or null if it does not authenticate
    /// (the code the phone entered was wrong).
    /// </summary>
    public static (byte[] CompanionIdentity, byte[] PrimaryIdentity, byte[] Random)? OpenKeyBundle(
        ReadOnlySpan<byte> ephemeralShared, ReadOnlySpan<byte> wrappedBundle)
    {
        if (wrappedBundle.Length != SaltSize + GcmNonceSize + BundlePlaintextSize + GcmTagSize)
        {
            return null;
        }

        Span<byte> key = stackalloc byte[Curve25519.KeySize];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, ephemeralShared, key, wrappedBundle[..SaltSize], Encoding.ASCII.GetBytes(SimConstants.KeyBundleInfo));
        var body = wrappedBundle[(SaltSize + GcmNonceSize)..];
        var plaintext = new byte[BundlePlaintextSize];
        using var gcm = new AesGcm(key, GcmTagSize);
        try
        {
            gcm.Decrypt(wrappedBundle.Slice(SaltSize, GcmNonceSize), body[..BundlePlaintextSize], body[BundlePlaintextSize..], plaintext);
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }

        const int Key = Curve25519.KeySize;
        return (plaintext[..Key], plaintext[Key..(2 * Key)], plaintext[(2 * Key)..]);
    }

    /// <summary>Derives the ADV secret <c>HKDF(ephShared || X25519(primary, companion) || random, info "adv_secret")</c>.</summary>
    public static byte[] DeriveAdvSecret(ReadOnlySpan<byte> ephemeralShared, ReadOnlySpan<byte> identityShared, ReadOnlySpan<byte> random)
    {
        byte[] input = [.. ephemeralShared, .. identityShared, .. random];
        return HKDF.DeriveKey(HashAlgorithmName.SHA256, input, Curve25519.KeySize, [],
            Encoding.ASCII.GetBytes(SimConstants.AdvSecretInfo));
    }
}

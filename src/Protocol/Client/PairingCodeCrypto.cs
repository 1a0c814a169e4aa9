using System.Security.Cryptography;
using System.Text;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Signal;

namespace WaOrleans.Protocol.Client;

/// <summary>The companion's half of pairing-code linking, with the exact constructions of PROTOCOL.md §4.4.</summary>
internal static class PairingCodeCrypto
{
    /// <summary>Size of the bundle's HKDF salt.</summary>
    private const int SaltSize = 32;

    /// <summary>Size of the AES-GCM nonce in the wrapped key bundle.</summary>
    private const int GcmNonceSize = 12;

    /// <summary>Size of the AES-GCM tag appended to the bundle ciphertext.</summary>
    private const int GcmTagSize = 16;

    /// <summary>Random bytes behind a code: 5 bytes are 40 bits, exactly 8 base-32 characters.</summary>
    private const int CodeEntropyBytes = 5;

    /// <summary>Bits per code character (a 32-letter alphabet).</summary>
    private const int BitsPerCharacter = 5;

    /// <summary>Generates an 8-character code from the pairing-code alphabet.</summary>
    public static string GenerateCode(ISignalRandom random)
    {
        Span<byte> bytes = stackalloc byte[CodeEntropyBytes];
        random.Fill(bytes);
        ulong value = 0;
        foreach (var b in bytes)
        {
            value = (value << 8) | b;
        }

        var code = new char[ClientConstants.PairingCodeLength];
        for (var i = 0; i < code.Length; i++)
        {
            var shift = (code.Length - 1 - i) * BitsPerCharacter;
            code[i] = ClientConstants.PairingCodeAlphabet[(int)((value >> shift) & 0x1F)];
        }

        return new string(code);
    }

    /// <summary>Formats a code for display as <c>XXXX-XXXX</c>, as whatsmeow does.</summary>
    public static string Format(string code) => string.Concat(code.AsSpan(0, 4), "-", code.AsSpan(4));

    /// <summary>Wraps our ephemeral public key with the code under a fresh salt and IV (<see cref="PairingCodeWrap"/>).</summary>
    public static byte[] WrapEphemeral(string code, ReadOnlySpan<byte> publicKey, ISignalRandom random)
    {
        Span<byte> saltAndIv = stackalloc byte[PairingCodeWrap.SaltAndIvSize];
        random.Fill(saltAndIv);
        return PairingCodeWrap.Wrap(code, publicKey, saltAndIv);
    }

    /// <summary>Unwraps the primary's ephemeral public key (the first 80 bytes of the blob) with the code.</summary>
    /// <exception cref="PairingException">The blob is shorter than 80 bytes.</exception>
    public static byte[] UnwrapEphemeral(string code, ReadOnlySpan<byte> wrapped)
    {
        if (wrapped.Length < PairingCodeWrap.WrappedKeySize)
        {
            throw new PairingException($"the wrapped primary ephemeral key is {wrapped.Length} bytes, fewer than {PairingCodeWrap.WrappedKeySize}");
        }

        return PairingCodeWrap.Unwrap(code, wrapped);
    }

    /// <summary>
    /// Builds the companion_finish key bundle and the new ADV secret (§4.4 step 5):
    /// <c>salt || nonce || AES-GCM(HKDF(ephShared, salt, info), ourIdentity || primaryIdentity || random)</c>,
    /// and <c>HKDF(ephShared || X25519(identity, primaryIdentity) || random, info "adv_secret")</c>.
    /// </summary>
    public static (byte[] WrappedBundle, byte[] AdvSecret) BuildKeyBundle(
        ReadOnlySpan<byte> ephemeralShared, IdentityKeyPair identity, ReadOnlySpan<byte> primaryIdentity, ISignalRandom random)
    {
        var salt = new byte[SaltSize];
        random.Fill(salt);
        var nonce = new byte[GcmNonceSize];
        random.Fill(nonce);
        var tail = new byte[Curve25519.KeySize];
        random.Fill(tail);

        Span<byte> key = stackalloc byte[Curve25519.KeySize];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, ephemeralShared, key, salt, Encoding.ASCII.GetBytes(ClientConstants.KeyBundleInfo));
        byte[] plaintext = [.. identity.KeyPair.PublicKey, .. primaryIdentity, .. tail];
        var wrapped = new byte[SaltSize + GcmNonceSize + plaintext.Length + GcmTagSize];
        salt.CopyTo(wrapped, 0);
        nonce.CopyTo(wrapped, SaltSize);
        using (var gcm = new AesGcm(key, GcmTagSize))
        {
            var body = wrapped.AsSpan(SaltSize + GcmNonceSize);
            gcm.Encrypt(nonce, plaintext, body[..plaintext.Length], body[plaintext.Length..]);
        }

        CryptographicOperations.ZeroMemory(key);
        var identityShared = Curve25519.SharedKey(identity.KeyPair.PrivateKey, primaryIdentity);
        byte[] secretInput = [.. ephemeralShared, .. identityShared, .. tail];
        var advSecret = HKDF.DeriveKey(HashAlgorithmName.SHA256, secretInput, Curve25519.KeySize, [], Encoding.ASCII.GetBytes(ClientConstants.AdvSecretInfo));
        CryptographicOperations.ZeroMemory(secretInput);
        CryptographicOperations.ZeroMemory(identityShared);
        return (wrapped, advSecret);
    }
}

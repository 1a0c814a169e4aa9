using System.Security.Cryptography;
using System.Text;

namespace WaOrleans.Protocol.Crypto;

/// <summary>
/// The code-keyed wrapping of an ephemeral public key in pairing-code linking (PROTOCOL.md §4.4):
/// <c>salt(32) || iv(16) || AES-256-CTR(PBKDF2-HMAC-SHA256(code, salt, 131072, 32), iv, key)</c>.
/// The companion (the client) and the primary (WaSim's phone) both wrap and unwrap with it.
/// </summary>
public static class PairingCodeWrap
{
    /// <summary>PBKDF2 iterations over the code: 2 &lt;&lt; 16, as Baileys and whatsmeow use.</summary>
    public const int Iterations = 2 << 16;

    /// <summary>Size of the PBKDF2 salt at the start of a wrapped key.</summary>
    public const int SaltSize = 32;

    /// <summary>Size of the AES-CTR IV after the salt.</summary>
    public const int IvSize = 16;

    /// <summary>Size of the random prefix a wrap needs: salt then IV.</summary>
    public const int SaltAndIvSize = SaltSize + IvSize;

    /// <summary>Size of a wrapped key: salt, IV, then the encrypted 32-byte key.</summary>
    public const int WrappedKeySize = SaltAndIvSize + Curve25519.KeySize;

    /// <summary>Derives the code key <c>PBKDF2-HMAC-SHA256(code, salt, 131072, 32)</c>.</summary>
    public static byte[] DeriveCodeKey(string code, ReadOnlySpan<byte> salt)
    {
        ArgumentNullException.ThrowIfNull(code);
        return Rfc2898DeriveBytes.Pbkdf2(Encoding.ASCII.GetBytes(code), salt, Iterations, HashAlgorithmName.SHA256, Curve25519.KeySize);
    }

    /// <summary>Wraps a 32-byte public key with the code under the caller's random salt and IV (<see cref="SaltAndIvSize"/> bytes).</summary>
    public static byte[] Wrap(string code, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> saltAndIv)
    {
        if (saltAndIv.Length != SaltAndIvSize)
        {
            throw new ArgumentException($"expected {SaltAndIvSize} bytes of salt and IV, got {saltAndIv.Length}", nameof(saltAndIv));
        }

        if (publicKey.Length != Curve25519.KeySize)
        {
            throw new ArgumentException($"expected a {Curve25519.KeySize}-byte key, got {publicKey.Length}", nameof(publicKey));
        }

        var wrapped = new byte[WrappedKeySize];
        saltAndIv.CopyTo(wrapped);
        var key = DeriveCodeKey(code, saltAndIv[..SaltSize]);
        AesCtr.Transform(key, saltAndIv[SaltSize..], publicKey, wrapped.AsSpan(SaltAndIvSize));
        CryptographicOperations.ZeroMemory(key);
        return wrapped;
    }

    /// <summary>
    /// Unwraps the key in the first <see cref="WrappedKeySize"/> bytes of <paramref name="wrapped"/>.
    /// A wrong code gives a different key, not an error: CTR has no integrity.
    /// </summary>
    /// <exception cref="ArgumentException">The blob is shorter than <see cref="WrappedKeySize"/>.</exception>
    public static byte[] Unwrap(string code, ReadOnlySpan<byte> wrapped)
    {
        if (wrapped.Length < WrappedKeySize)
        {
            throw new ArgumentException($"a wrapped key is {WrappedKeySize} bytes, got {wrapped.Length}", nameof(wrapped));
        }

        var key = DeriveCodeKey(code, wrapped[..SaltSize]);
        var unwrapped = AesCtr.Transform(key, wrapped.Slice(SaltSize, IvSize), wrapped.Slice(SaltAndIvSize, Curve25519.KeySize));
        CryptographicOperations.ZeroMemory(key);
        return unwrapped;
    }
}

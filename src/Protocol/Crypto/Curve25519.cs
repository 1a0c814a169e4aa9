using System.Security.Cryptography;
using Org.BouncyCastle.Math.EC.Rfc7748;

namespace WaOrleans.Protocol.Crypto;

/// <summary>
/// X25519 key agreement and Curve25519 signatures exactly as libsignal-node computes and checks
/// them (PROTOCOL.md §5.2): the X25519 private key signs directly, the Edwards public key's sign
/// bit travels in the top bit of the signature's last byte, and signing is deterministic.
/// </summary>
/// <remarks>
/// The point and scalar arithmetic is libsodium's; the one field inversion that maps a Montgomery
/// u-coordinate to an Edwards y-coordinate is BouncyCastle's <see cref="X25519Field"/>. Public keys
/// are the raw 32 bytes: strip the Signal <c>05</c> prefix before calling.
/// </remarks>
public static class Curve25519
{
    /// <summary>Size of a private key, a public key and a shared secret.</summary>
    public const int KeySize = 32;

    /// <summary>Size of a signature: R (32) then S (32) with the sign bit in the last byte.</summary>
    public const int SignatureSize = 64;

    /// <summary>The bit of the signature's last byte that carries the Edwards key's sign.</summary>
    private const byte SignBit = 0x80;

    /// <summary>Generates a key pair from the operating system's random number generator.</summary>
    public static KeyPair GenerateKeyPair()
    {
        Span<byte> seed = stackalloc byte[KeySize];
        RandomNumberGenerator.Fill(seed);
        var pair = FromPrivateKey(seed);
        CryptographicOperations.ZeroMemory(seed);
        return pair;
    }

    /// <summary>Builds the key pair of a 32-byte private key, clamping it first as X25519 does.</summary>
    public static KeyPair FromPrivateKey(ReadOnlySpan<byte> privateKey)
    {
        RequireLength(privateKey, KeySize, nameof(privateKey));
        var priv = privateKey.ToArray();
        Clamp(priv);
        var pub = new byte[KeySize];
        if (Sodium.ScalarMultCurve25519Base(pub, priv) != 0)
        {
            throw new CryptoException("could not derive the public key of a private key");
        }

        return new KeyPair(priv, pub, publicKeyDerived: true);
    }

    /// <summary>Computes the X25519 shared secret of our private key and their public key.</summary>
    /// <exception cref="CryptoException">The public key is of low order (the secret would be zero).</exception>
    public static byte[] SharedKey(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> publicKey)
    {
        var shared = new byte[KeySize];
        SharedKey(privateKey, publicKey, shared);
        return shared;
    }

    /// <summary>Computes the X25519 shared secret into <paramref name="destination"/> (32 bytes).</summary>
    /// <exception cref="CryptoException">The public key is of low order (the secret would be zero).</exception>
    public static void SharedKey(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> publicKey, Span<byte> destination)
    {
        RequireLength(privateKey, KeySize, nameof(privateKey));
        RequireLength(publicKey, KeySize, nameof(publicKey));
        RequireLength(destination, KeySize, nameof(destination));
        if (Sodium.ScalarMultCurve25519(destination, privateKey, publicKey) != 0)
        {
            throw new CryptoException("X25519 agreement with a low-order public key");
        }
    }

    /// <summary>
    /// Signs <paramref name="message"/> with an X25519 private key the way libsignal-node's
    /// <c>calculateSignature</c> does (curve25519-js without randomness), so the same key and
    /// message always give the same 64 bytes.
    /// </summary>
    public static byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> message)
    {
        var signature = new byte[SignatureSize];
        Sign(privateKey, message, signature);
        return signature;
    }

    /// <summary>Signs into <paramref name="signature"/> (64 bytes); see <see cref="Sign(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>.</summary>
    public static void Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> message, Span<byte> signature)
    {
        RequireLength(privateKey, KeySize, nameof(privateKey));
        RequireLength(signature, SignatureSize, nameof(signature));

        Span<byte> a = stackalloc byte[KeySize];
        Span<byte> aReduced = stackalloc byte[KeySize];
        Span<byte> edPub = stackalloc byte[KeySize];
        Span<byte> wide = stackalloc byte[Sodium.NonReducedScalarSize];
        Span<byte> r = stackalloc byte[KeySize];
        Span<byte> h = stackalloc byte[KeySize];
        try
        {
            privateKey.CopyTo(a);
            Clamp(a);

            // A = a·B. The clamped scalar exceeds the group order L; reducing it first changes
            // nothing about the point (B has order L) and keeps libsodium's scalar maths in range.
            wide.Clear();
            a.CopyTo(wide);
            Sodium.ScalarReduce(aReduced, wide);
            if (Sodium.ScalarMultEd25519BaseNoClamp(edPub, aReduced) != 0)
            {
                throw new CryptoException("could not derive the Edwards public key of a private key");
            }

            var signBit = (byte)(edPub[31] & SignBit);

            // r = SHA-512(a || M) mod L: curve25519-js hashes the clamped scalar bytes themselves,
            // with no domain prefix because no randomness is passed.
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512))
            {
                hash.AppendData(a);
                hash.AppendData(message);
                hash.GetHashAndReset(wide);
            }

            Sodium.ScalarReduce(r, wide);
            var rPoint = signature[..KeySize];
            if (Sodium.ScalarMultEd25519BaseNoClamp(rPoint, r) != 0)
            {
                throw new CryptoException("signature nonce reduced to zero");
            }

            // h = SHA-512(R || A || M) mod L; S = r + h·a mod L.
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512))
            {
                hash.AppendData(rPoint);
                hash.AppendData(edPub);
                hash.AppendData(message);
                hash.GetHashAndReset(wide);
            }

            Sodium.ScalarReduce(h, wide);
            var s = signature[KeySize..];
            Sodium.ScalarMul(s, h, aReduced);
            Sodium.ScalarAdd(s, s, r);
            signature[SignatureSize - 1] |= signBit;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(a);
            CryptographicOperations.ZeroMemory(aReduced);
            CryptographicOperations.ZeroMemory(wide);
            CryptographicOperations.ZeroMemory(r);
        }
    }

    /// <summary>
    /// Verifies a signature made by <see cref="Sign(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/> or by
    /// libsignal (Node, Java or Rust) against a 32-byte Montgomery public key.
    /// </summary>
    /// <returns><see langword="true"/> when the signature is valid; <see langword="false"/> for any
    /// wrong, tampered or malformed signature.</returns>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        RequireLength(publicKey, KeySize, nameof(publicKey));
        if (signature.Length != SignatureSize)
        {
            return false;
        }

        Span<byte> edPub = stackalloc byte[KeySize];
        MontgomeryToEdwards(publicKey, edPub);
        edPub[31] |= (byte)(signature[SignatureSize - 1] & SignBit);

        Span<byte> sig = stackalloc byte[SignatureSize];
        signature.CopyTo(sig);
        sig[SignatureSize - 1] &= unchecked((byte)~SignBit);
        return Sodium.VerifyEd25519(sig, message, edPub) == 0;
    }

    /// <summary>Clamps an X25519 scalar in place (RFC 7748 §5).</summary>
    internal static void Clamp(Span<byte> scalar)
    {
        scalar[0] &= 248;
        scalar[31] &= 127;
        scalar[31] |= 64;
    }

    /// <summary>Maps a Montgomery u-coordinate to the Edwards y-coordinate y = (u − 1) / (u + 1) mod p.</summary>
    private static void MontgomeryToEdwards(ReadOnlySpan<byte> u, Span<byte> y)
    {
        var x = X25519Field.Create();
        var one = X25519Field.Create();
        var num = X25519Field.Create();
        var den = X25519Field.Create();
        X25519Field.Decode255(u, x);
        X25519Field.One(one);
        X25519Field.Sub(x, one, num);
        X25519Field.Add(x, one, den);
        X25519Field.Inv(den, den);
        X25519Field.Mul(num, den, num);
        X25519Field.Normalize(num);
        X25519Field.Encode(num, y);
    }

    private static void RequireLength(ReadOnlySpan<byte> value, int length, string name)
    {
        if (value.Length != length)
        {
            throw new ArgumentException($"expected {length} bytes, got {value.Length}", name);
        }
    }
}

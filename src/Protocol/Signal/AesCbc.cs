using System.Security.Cryptography;

namespace WaOrleans.Protocol.Signal;

/// <summary>AES-256-CBC with PKCS7 padding, the body cipher of every Signal message.</summary>
internal static class AesCbc
{
    // Creating an Aes object costs more than encrypting a short message with it; each thread keeps
    // one and only re-keys it.
    [ThreadStatic]
    private static Aes? t_aes;

    /// <summary>Encrypts <paramref name="plaintext"/>.</summary>
    internal static byte[] Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plaintext) =>
        Keyed(key).EncryptCbc(plaintext, iv, PaddingMode.PKCS7);

    /// <summary>Decrypts <paramref name="ciphertext"/>; bad padding (after a verified MAC or signature) is an invalid message.</summary>
    internal static byte[] Decrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> ciphertext)
    {
        try
        {
            return Keyed(key).DecryptCbc(ciphertext, iv, PaddingMode.PKCS7);
        }
        catch (CryptographicException e)
        {
            SignalProtocolException.Throw(SignalErrorKind.InvalidMessage, "ciphertext padding is invalid", e);
            return null!;
        }
    }

    private static Aes Keyed(ReadOnlySpan<byte> key)
    {
        var aes = t_aes ??= Aes.Create();
        aes.SetKey(key);
        return aes;
    }
}

using System.Security.Cryptography;

namespace WaOrleans.Protocol.Signal;

/// <summary>AES-256-CBC with PKCS7 padding, the body cipher of every Signal message.</summary>
internal static class AesCbc
{
    /// <summary>Encrypts <paramref name="plaintext"/>.</summary>
    internal static byte[] Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plaintext)
    {
        using var aes = Aes.Create();
        aes.Key = key.ToArray();
        return aes.EncryptCbc(plaintext, iv, PaddingMode.PKCS7);
    }

    /// <summary>Decrypts <paramref name="ciphertext"/>; bad padding (after a verified MAC or signature) is an invalid message.</summary>
    internal static byte[] Decrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> ciphertext)
    {
        using var aes = Aes.Create();
        aes.Key = key.ToArray();
        try
        {
            return aes.DecryptCbc(ciphertext, iv, PaddingMode.PKCS7);
        }
        catch (CryptographicException e)
        {
            SignalProtocolException.Throw(SignalErrorKind.InvalidMessage, "ciphertext padding is invalid", e);
            return null!;
        }
    }
}

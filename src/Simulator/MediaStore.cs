using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace WaOrleans.Simulator;

/// <summary>
/// The simulator's media server (PROTOCOL.md §8): stores the encrypted blobs clients upload, keyed
/// by their direct path, and lets phones verify and decrypt what a message points at.
/// </summary>
internal sealed class MediaStore
{
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);

    /// <summary>Stores an uploaded blob under its path (without query) and returns that path.</summary>
    public string Store(string path, byte[] blob)
    {
        _blobs[path] = blob;
        return path;
    }

    /// <summary>Finds a blob by direct path (a query string is ignored).</summary>
    public byte[]? Find(string directPath)
    {
        var path = directPath.Split('?', 2)[0];
        return _blobs.GetValueOrDefault(path);
    }

    /// <summary>
    /// Verifies and decrypts a blob as WhatsApp clients do: SHA-256 of the blob, HMAC over IV and
    /// ciphertext, AES-CBC, then SHA-256 of the plaintext. Returns the plaintext, or null with a reason.
    /// </summary>
    public static byte[]? Decrypt(byte[] blob, byte[] mediaKey, string keyInfo, byte[] fileEncSha256, byte[] fileSha256, out string? error)
    {
        error = null;
        if (!SHA256.HashData(blob).AsSpan().SequenceEqual(fileEncSha256))
        {
            error = "the blob's SHA-256 is not fileEncSha256";
            return null;
        }

        if (blob.Length < MediaKeys.MacSize)
        {
            error = "the blob is shorter than its MAC";
            return null;
        }

        var keys = MediaKeys.Expand(mediaKey, keyInfo);
        var ciphertext = blob.AsSpan(0, blob.Length - MediaKeys.MacSize);
        if (!keys.Mac(ciphertext).AsSpan().SequenceEqual(blob.AsSpan(blob.Length - MediaKeys.MacSize)))
        {
            error = "the blob's MAC does not verify";
            return null;
        }

        using var aes = Aes.Create();
        aes.Key = keys.CipherKey;
        byte[] plaintext;
        try
        {
            plaintext = aes.DecryptCbc(ciphertext, keys.Iv);
        }
        catch (CryptographicException ex)
        {
            error = "the blob does not decrypt: " + ex.Message;
            return null;
        }

        if (!SHA256.HashData(plaintext).AsSpan().SequenceEqual(fileSha256))
        {
            error = "the plaintext's SHA-256 is not fileSha256";
            return null;
        }

        return plaintext;
    }

    /// <summary>Creates the self-signed certificate of the media host: Baileys uploads over https only.</summary>
    public static X509Certificate2 CreateCertificate(DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=WaSim media", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
    }
}

using System.Security.Cryptography;
using System.Text;

namespace WaOrleans.Simulator;

/// <summary>The keys a media key expands to (PROTOCOL.md §8): <c>HKDF(mediaKey, info "WhatsApp &lt;Kind&gt; Keys", 112)</c>.</summary>
internal sealed class MediaKeys
{
    /// <summary>Size of the AES-CBC IV, the first slice of the expansion.</summary>
    private const int IvSize = 16;

    /// <summary>Size of the AES-256 cipher key and of the HMAC-SHA256 key that follow it.</summary>
    private const int KeySize = 32;

    /// <summary>Size of the whole expansion: IV, cipher key, MAC key, and a 32-byte ref key WaSim does not use.</summary>
    private const int ExpandedSize = 112;

    /// <summary>Size of the truncated HMAC appended to an encrypted media blob.</summary>
    public const int MacSize = 10;

    private MediaKeys(byte[] expanded)
    {
        Iv = expanded[..IvSize];
        CipherKey = expanded[IvSize..(IvSize + KeySize)];
        MacKey = expanded[(IvSize + KeySize)..(IvSize + 2 * KeySize)];
    }

    /// <summary>Gets the AES-CBC IV.</summary>
    public byte[] Iv { get; }

    /// <summary>Gets the AES-256 key.</summary>
    public byte[] CipherKey { get; }

    /// <summary>Gets the HMAC-SHA256 key.</summary>
    public byte[] MacKey { get; }

    /// <summary>Expands a media key for the given HKDF info, such as <c>WhatsApp Image Keys</c>.</summary>
    public static MediaKeys Expand(ReadOnlySpan<byte> mediaKey, string info)
    {
        var expanded = new byte[ExpandedSize];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, mediaKey, expanded, [], Encoding.ASCII.GetBytes(info));
        return new MediaKeys(expanded);
    }

    /// <summary>Computes the truncated MAC over IV and ciphertext.</summary>
    public byte[] Mac(ReadOnlySpan<byte> ciphertext)
    {
        byte[] signed = [.. Iv, .. ciphertext];
        return HMACSHA256.HashData(MacKey, signed)[..MacSize];
    }

    /// <summary>Describes the keys without printing them.</summary>
    public override string ToString() => "MediaKeys(redacted)";
}

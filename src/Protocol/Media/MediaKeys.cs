using System.Security.Cryptography;
using System.Text;

namespace WaOrleans.Protocol.Media;

/// <summary>
/// The keys a 32-byte media key expands to (PROTOCOL.md §8): HKDF-SHA256 with no salt and the
/// type's info string, 112 bytes split into IV, cipher key, MAC key and ref key.
/// </summary>
public sealed class MediaKeys
{
    /// <summary>Size of a media key: 32 random bytes, as WhatsApp and Baileys generate.</summary>
    public const int MediaKeySize = 32;

    /// <summary>Size of the AES-CBC IV, the first slice of the expansion.</summary>
    public const int IvSize = 16;

    /// <summary>Size of the AES-256 key, the HMAC-SHA256 key and the ref key that follow the IV.</summary>
    public const int KeySize = 32;

    /// <summary>Size of the truncated HMAC-SHA256 appended to an encrypted blob.</summary>
    public const int MacSize = 10;

    /// <summary>Size of the whole expansion: IV, cipher key, MAC key and ref key.</summary>
    private const int ExpandedSize = IvSize + 3 * KeySize;

    private MediaKeys(byte[] expanded)
    {
        Iv = expanded[..IvSize];
        CipherKey = expanded[IvSize..(IvSize + KeySize)];
        MacKey = expanded[(IvSize + KeySize)..(IvSize + 2 * KeySize)];
        RefKey = expanded[(IvSize + 2 * KeySize)..];
    }

    /// <summary>Gets the AES-CBC IV.</summary>
    public ReadOnlyMemory<byte> Iv { get; }

    /// <summary>Gets the AES-256 key.</summary>
    public ReadOnlyMemory<byte> CipherKey { get; }

    /// <summary>Gets the HMAC-SHA256 key.</summary>
    public ReadOnlyMemory<byte> MacKey { get; }

    /// <summary>Gets the ref key (used by WhatsApp for media re-upload requests; not needed to encrypt or decrypt).</summary>
    public ReadOnlyMemory<byte> RefKey { get; }

    /// <summary>Expands a media key for a media type.</summary>
    /// <exception cref="ArgumentException">The media key is not 32 bytes.</exception>
    public static MediaKeys Expand(ReadOnlySpan<byte> mediaKey, MediaType type)
    {
        if (mediaKey.Length != MediaKeySize)
        {
            throw new ArgumentException($"a media key is {MediaKeySize} bytes, not {mediaKey.Length}", nameof(mediaKey));
        }

        var expanded = new byte[ExpandedSize];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, mediaKey, expanded, [], Encoding.ASCII.GetBytes(type.HkdfInfo()));
        return new MediaKeys(expanded);
    }

    /// <summary>Describes the keys without printing them.</summary>
    public override string ToString() => "MediaKeys(redacted)";
}

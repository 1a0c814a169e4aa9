namespace WaOrleans.Protocol.Media;

/// <summary>
/// What encrypting a media file yields besides the blob: the fields a media message carries.
/// </summary>
/// <param name="Type">The media type the key was expanded for.</param>
/// <param name="MediaKey">The 32-byte media key the receiver decrypts with.</param>
/// <param name="FileSha256">SHA-256 of the plaintext.</param>
/// <param name="FileEncSha256">SHA-256 of the uploaded blob (ciphertext and MAC); also its upload token.</param>
/// <param name="FileLength">Length of the plaintext in bytes.</param>
/// <param name="EncryptedLength">Length of the blob in bytes.</param>
public sealed record EncryptedMedia(
    MediaType Type,
    ReadOnlyMemory<byte> MediaKey,
    ReadOnlyMemory<byte> FileSha256,
    ReadOnlyMemory<byte> FileEncSha256,
    long FileLength,
    long EncryptedLength)
{
    /// <summary>Describes the media by type and size; the key is never printed.</summary>
    public override string ToString() => $"EncryptedMedia({Type}, {FileLength} bytes)";
}

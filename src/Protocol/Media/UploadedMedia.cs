namespace WaOrleans.Protocol.Media;

/// <summary>
/// A media blob on the media host: what <c>MessageBuilder</c>'s media methods put in a message.
/// </summary>
/// <param name="Encrypted">The key, hashes and lengths of the blob.</param>
/// <param name="Url">The URL the media host answered with.</param>
/// <param name="DirectPath">The path on any media host, which receivers download from.</param>
/// <param name="MediaKeyTimestamp">When the media key was made; receivers use it to judge the blob's expiry.</param>
public sealed record UploadedMedia(EncryptedMedia Encrypted, string Url, string DirectPath, DateTimeOffset MediaKeyTimestamp)
{
    /// <summary>Gets the media type.</summary>
    public MediaType Type => Encrypted.Type;

    /// <summary>Describes the upload by type and size; the key is never printed.</summary>
    public override string ToString() => $"UploadedMedia({Type}, {Encrypted.FileLength} bytes)";
}

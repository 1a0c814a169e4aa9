using WaOrleans.Protocol.Proto;

namespace WaOrleans.Protocol.Media;

/// <summary>
/// What a received media message says about its blob: where it is, how to decrypt it and what its
/// hashes must be.
/// </summary>
/// <param name="Type">The media type, which picks the key expansion.</param>
/// <param name="DirectPath">The path on the media hosts, or null.</param>
/// <param name="Url">The full URL, or null; used only when there is no direct path.</param>
/// <param name="MediaKey">The 32-byte media key.</param>
/// <param name="FileSha256">SHA-256 of the plaintext.</param>
/// <param name="FileEncSha256">SHA-256 of the blob.</param>
public sealed record MediaReference(
    MediaType Type,
    string? DirectPath,
    string? Url,
    ReadOnlyMemory<byte> MediaKey,
    ReadOnlyMemory<byte> FileSha256,
    ReadOnlyMemory<byte> FileEncSha256)
{
    /// <summary>
    /// Finds the media of a message, looking inside the wrappers WhatsApp puts around it
    /// (device-sent, ephemeral, view-once, document with caption); null when it has none.
    /// </summary>
    public static MediaReference? From(Message? message) => message switch
    {
        null => null,
        { ImageMessage: { } m } => new(MediaType.Image, Path(m.DirectPath), Path(m.Url), m.MediaKey.Memory, m.FileSha256.Memory, m.FileEncSha256.Memory),
        { VideoMessage: { } m } => new(MediaType.Video, Path(m.DirectPath), Path(m.Url), m.MediaKey.Memory, m.FileSha256.Memory, m.FileEncSha256.Memory),
        { AudioMessage: { } m } => new(MediaType.Audio, Path(m.DirectPath), Path(m.Url), m.MediaKey.Memory, m.FileSha256.Memory, m.FileEncSha256.Memory),
        { DocumentMessage: { } m } => new(MediaType.Document, Path(m.DirectPath), Path(m.Url), m.MediaKey.Memory, m.FileSha256.Memory, m.FileEncSha256.Memory),
        { StickerMessage: { } m } => new(MediaType.Sticker, Path(m.DirectPath), Path(m.Url), m.MediaKey.Memory, m.FileSha256.Memory, m.FileEncSha256.Memory),
        { DeviceSentMessage.Message: { } inner } => From(inner),
        { EphemeralMessage.Message: { } inner } => From(inner),
        { ViewOnceMessage.Message: { } inner } => From(inner),
        { ViewOnceMessageV2.Message: { } inner } => From(inner),
        { DocumentWithCaptionMessage.Message: { } inner } => From(inner),
        _ => null,
    };

    /// <summary>Describes the reference by type and path; the key is never printed.</summary>
    public override string ToString() => $"MediaReference({Type}, {DirectPath ?? Url})";

    private static string? Path(string value) => string.IsNullOrEmpty(value) ? null : value;
}

namespace WaOrleans.Protocol.Media;

/// <summary>
/// What a media blob is, which picks its HKDF info and its upload path (PROTOCOL.md §8; Baileys'
/// <c>MEDIA_HKDF_KEY_MAPPING</c> and <c>MEDIA_PATH_MAP</c>).
/// </summary>
public enum MediaType
{
    /// <summary>A photo: <c>WhatsApp Image Keys</c>, uploaded to <c>/mms/image</c>.</summary>
    Image,

    /// <summary>A video, also a GIF played as video: <c>WhatsApp Video Keys</c>, <c>/mms/video</c>.</summary>
    Video,

    /// <summary>Audio, also a voice note (ptt): <c>WhatsApp Audio Keys</c>, <c>/mms/audio</c>.</summary>
    Audio,

    /// <summary>A document: <c>WhatsApp Document Keys</c>, <c>/mms/document</c>.</summary>
    Document,

    /// <summary>A sticker: WhatsApp encrypts stickers as images (<c>WhatsApp Image Keys</c>, <c>/mms/image</c>).</summary>
    Sticker,
}

/// <summary>The per-type constants of <see cref="MediaType"/>.</summary>
public static class MediaTypeExtensions
{
    /// <summary>The HKDF info string a media key of this type is expanded with.</summary>
    public static string HkdfInfo(this MediaType type) => type switch
    {
        MediaType.Image or MediaType.Sticker => "WhatsApp Image Keys",
        MediaType.Video => "WhatsApp Video Keys",
        MediaType.Audio => "WhatsApp Audio Keys",
        MediaType.Document => "WhatsApp Document Keys",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown media type"),
    };

    /// <summary>The media host path blobs of this type are uploaded under.</summary>
    public static string UploadPath(this MediaType type) => type switch
    {
        MediaType.Image or MediaType.Sticker => "/mms/image",
        MediaType.Video => "/mms/video",
        MediaType.Audio => "/mms/audio",
        MediaType.Document => "/mms/document",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown media type"),
    };
}

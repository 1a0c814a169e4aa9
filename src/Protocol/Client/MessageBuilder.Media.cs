using Google.Protobuf;
using WaOrleans.Protocol.Media;
using WaOrleans.Protocol.Proto;

namespace WaOrleans.Protocol.Client;

/// <summary>Media messages built from an <see cref="UploadedMedia"/> (see <see cref="WaClient.UploadMediaAsync"/>).</summary>
public static partial class MessageBuilder
{
    /// <summary>A photo, optionally captioned.</summary>
    public static Message Image(UploadedMedia media, string mimetype = "image/jpeg", string? caption = null, uint? width = null, uint? height = null)
    {
        var m = Require(media, MediaType.Image);
        var image = new Message.Types.ImageMessage
        {
            Url = media.Url, DirectPath = media.DirectPath, Mimetype = mimetype, MediaKey = m.Key, FileSha256 = m.Sha, FileEncSha256 = m.EncSha,
            FileLength = m.Length, MediaKeyTimestamp = m.Timestamp,
        };
        SetOptional(caption, v => image.Caption = v);
        SetOptional(width, v => image.Width = v);
        SetOptional(height, v => image.Height = v);
        return new Message { ImageMessage = image };
    }

    /// <summary>A video; <paramref name="gifPlayback"/> shows it as a looping GIF without sound.</summary>
    public static Message Video(UploadedMedia media, string mimetype = "video/mp4", string? caption = null, bool gifPlayback = false, uint? seconds = null)
    {
        var m = Require(media, MediaType.Video);
        var video = new Message.Types.VideoMessage
        {
            Url = media.Url, DirectPath = media.DirectPath, Mimetype = mimetype, MediaKey = m.Key, FileSha256 = m.Sha, FileEncSha256 = m.EncSha,
            FileLength = m.Length, MediaKeyTimestamp = m.Timestamp, GifPlayback = gifPlayback,
        };
        SetOptional(caption, v => video.Caption = v);
        SetOptional(seconds, v => video.Seconds = v);
        return new Message { VideoMessage = video };
    }

    /// <summary>An audio file, played as music.</summary>
    public static Message Audio(UploadedMedia media, string mimetype = "audio/mpeg", uint? seconds = null) =>
        AudioMessage(media, mimetype, seconds, ptt: false);

    /// <summary>A voice note (push-to-talk); WhatsApp expects Opus in Ogg.</summary>
    public static Message VoiceNote(UploadedMedia media, string mimetype = "audio/ogg; codecs=opus", uint? seconds = null) =>
        AudioMessage(media, mimetype, seconds, ptt: true);

    /// <summary>A document with its file name, shown with a download button.</summary>
    public static Message Document(UploadedMedia media, string fileName, string mimetype = "application/octet-stream", string? caption = null)
    {
        var m = Require(media, MediaType.Document);
        var document = new Message.Types.DocumentMessage
        {
            Url = media.Url, DirectPath = media.DirectPath, Mimetype = mimetype, MediaKey = m.Key, FileSha256 = m.Sha, FileEncSha256 = m.EncSha,
            FileLength = m.Length, MediaKeyTimestamp = m.Timestamp, FileName = fileName, Title = fileName,
        };
        SetOptional(caption, v => document.Caption = v);
        return new Message { DocumentMessage = document };
    }

    /// <summary>A sticker (WebP).</summary>
    public static Message Sticker(UploadedMedia media, bool animated = false, string mimetype = "image/webp")
    {
        var m = Require(media, MediaType.Sticker);
        return new Message
        {
            StickerMessage = new Message.Types.StickerMessage
            {
                Url = media.Url, DirectPath = media.DirectPath, Mimetype = mimetype, MediaKey = m.Key, FileSha256 = m.Sha, FileEncSha256 = m.EncSha,
                FileLength = m.Length, MediaKeyTimestamp = m.Timestamp, IsAnimated = animated,
            },
        };
    }

    private static Message AudioMessage(UploadedMedia media, string mimetype, uint? seconds, bool ptt)
    {
        var m = Require(media, MediaType.Audio);
        var audio = new Message.Types.AudioMessage
        {
            Url = media.Url, DirectPath = media.DirectPath, Mimetype = mimetype, MediaKey = m.Key, FileSha256 = m.Sha, FileEncSha256 = m.EncSha,
            FileLength = m.Length, MediaKeyTimestamp = m.Timestamp, Ptt = ptt,
        };
        SetOptional(seconds, v => audio.Seconds = v);
        return new Message { AudioMessage = audio };
    }

    /// <summary>Checks the upload was encrypted for the type the message declares: receivers expand the key by the message's type.</summary>
    private static MediaFields Require(UploadedMedia media, MediaType expected)
    {
        ArgumentNullException.ThrowIfNull(media);
        if (media.Type != expected)
        {
            throw new ArgumentException($"the media was uploaded as {media.Type}, but this message needs {expected}", nameof(media));
        }

        var e = media.Encrypted;
        return new MediaFields(ByteString.CopyFrom(e.MediaKey.Span), ByteString.CopyFrom(e.FileSha256.Span), ByteString.CopyFrom(e.FileEncSha256.Span),
            (ulong)e.FileLength, media.MediaKeyTimestamp.ToUnixTimeSeconds());
    }

    private static void SetOptional<T>(T? value, Action<T> set)
        where T : struct
    {
        if (value is { } v)
        {
            set(v);
        }
    }

    private static void SetOptional(string? value, Action<string> set)
    {
        if (!string.IsNullOrEmpty(value))
        {
            set(value);
        }
    }

    private readonly record struct MediaFields(ByteString Key, ByteString Sha, ByteString EncSha, ulong Length, long Timestamp);
}

using System.Security.Cryptography;
using Google.Protobuf;
using WaOrleans.Protocol.Proto;

namespace WaOrleans.Simulator;

/// <summary>Builds the messages a simulated phone sends (PROTOCOL.md §6): text, reply, reaction, location, contact, poll, and every media kind.</summary>
internal static class PhoneMessageBuilder
{
    /// <summary>Size of a media key and of a poll's message secret.</summary>
    private const int SecretSize = 32;

    /// <summary>What WhatsApp phones record voice notes as.</summary>
    private const string VoiceNoteMimetype = "audio/ogg; codecs=opus";

    /// <summary>
    /// Each media kind's HKDF info (PROTOCOL.md §8) and upload folder: voice notes are audio and
    /// stickers are images to the media crypto, as on WhatsApp.
    /// </summary>
    private static readonly Dictionary<string, (string Info, string Folder)> MediaKinds = new(StringComparer.Ordinal)
    {
        ["image"] = ("WhatsApp Image Keys", "image"),
        ["video"] = ("WhatsApp Video Keys", "video"),
        ["audio"] = ("WhatsApp Audio Keys", "audio"),
        ["ptt"] = ("WhatsApp Audio Keys", "audio"),
        ["document"] = ("WhatsApp Document Keys", "document"),
        ["sticker"] = ("WhatsApp Image Keys", "image"),
    };

    /// <summary>Builds the message for a send request; media is encrypted and stored on the media host first.</summary>
    /// <exception cref="SimRequestException">The request lacks what its kind needs.</exception>
    public static Message Build(SendRequest request, string chat, MediaStore media, Uri mediaUri, DateTimeOffset now) => (request.Kind ?? "text") switch
    {
        "text" => new Message { Conversation = Require(request.Text, "text") },
        "reply" => new Message
        {
            ExtendedTextMessage = new Message.Types.ExtendedTextMessage
            {
                Text = Require(request.Text, "text"),
                ContextInfo = new ContextInfo { StanzaId = Require(request.QuotedId, "quotedId"), Participant = chat },
            },
        },
        "reaction" => new Message
        {
            ReactionMessage = new Message.Types.ReactionMessage
            {
                Key = new MessageKey { RemoteJid = chat, FromMe = false, Id = Require(request.QuotedId, "quotedId") },
                Text = Require(request.Text, "text (the emoji)"),
                SenderTimestampMs = now.ToUnixTimeMilliseconds(),
            },
        },
        "location" => new Message
        {
            LocationMessage = new Message.Types.LocationMessage
            {
                DegreesLatitude = request.Latitude ?? throw Missing("latitude"),
                DegreesLongitude = request.Longitude ?? throw Missing("longitude"),
                Name = request.Name ?? "",
            },
        },
        "contact" => new Message
        {
            ContactMessage = new Message.Types.ContactMessage
            {
                DisplayName = Require(request.Name, "name"),
                Vcard = $"BEGIN:VCARD\nVERSION:3.0\nFN:{request.Name}\nTEL;type=CELL;waid={Require(request.ContactPhone, "contactPhone")}:+{request.ContactPhone}\nEND:VCARD",
            },
        },
        "poll" => Poll(Require(request.Name, "name"), request.Options is { Count: > 1 } options ? options : throw Missing("options (two or more)")),
        var kind when MediaKinds.ContainsKey(kind) => Media(kind, request, media, mediaUri, now),
        var kind => throw new SimRequestException(400,
            $"unknown kind {kind}: use text, reply, reaction, location, contact, poll, image, video, audio, ptt, document or sticker"),
    };

    private static Message Poll(string name, IReadOnlyList<string> options)
    {
        var poll = new Message.Types.PollCreationMessage { Name = name, SelectableOptionsCount = 1 };
        poll.Options.AddRange(options.Select(o => new Message.Types.PollCreationMessage.Types.Option { OptionName = o }));
        // Votes are encrypted with the poll's message secret, so a poll without one cannot be answered.
        return new Message
        {
            PollCreationMessage = poll,
            MessageContextInfo = new MessageContextInfo { MessageSecret = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(SecretSize)) },
        };
    }

    private static Message Media(string kind, SendRequest request, MediaStore media, Uri mediaUri, DateTimeOffset now)
    {
        var upload = Upload(kind, request, media, mediaUri);
        var timestamp = now.ToUnixTimeSeconds();
        var caption = request.Text ?? "";
        return kind switch
        {
            "image" => new Message
            {
                ImageMessage = new Message.Types.ImageMessage
                {
                    Url = upload.Url, DirectPath = upload.Path, Mimetype = request.Mimetype ?? "image/jpeg", Caption = caption,
                    MediaKey = upload.MediaKey, FileSha256 = upload.FileSha256, FileEncSha256 = upload.FileEncSha256,
                    FileLength = upload.Length, MediaKeyTimestamp = timestamp,
                },
            },
            "video" => new Message
            {
                VideoMessage = new Message.Types.VideoMessage
                {
                    Url = upload.Url, DirectPath = upload.Path, Mimetype = request.Mimetype ?? "video/mp4", Caption = caption,
                    Seconds = request.Seconds ?? 1, MediaKey = upload.MediaKey, FileSha256 = upload.FileSha256,
                    FileEncSha256 = upload.FileEncSha256, FileLength = upload.Length, MediaKeyTimestamp = timestamp,
                },
            },
            "audio" or "ptt" => new Message
            {
                AudioMessage = new Message.Types.AudioMessage
                {
                    Url = upload.Url, DirectPath = upload.Path, Mimetype = request.Mimetype ?? (kind == "ptt" ? VoiceNoteMimetype : "audio/mpeg"),
                    Ptt = kind == "ptt", Seconds = request.Seconds ?? 1, MediaKey = upload.MediaKey, FileSha256 = upload.FileSha256,
                    FileEncSha256 = upload.FileEncSha256, FileLength = upload.Length, MediaKeyTimestamp = timestamp,
                },
            },
            "document" => new Message
            {
                DocumentMessage = new Message.Types.DocumentMessage
                {
                    Url = upload.Url, DirectPath = upload.Path, Mimetype = request.Mimetype ?? "application/octet-stream",
                    FileName = request.Name ?? "document", Title = request.Name ?? "document", Caption = caption,
                    MediaKey = upload.MediaKey, FileSha256 = upload.FileSha256, FileEncSha256 = upload.FileEncSha256,
                    FileLength = upload.Length, MediaKeyTimestamp = timestamp,
                },
            },
            _ => new Message
            {
                StickerMessage = new Message.Types.StickerMessage
                {
                    Url = upload.Url, DirectPath = upload.Path, Mimetype = request.Mimetype ?? "image/webp",
                    MediaKey = upload.MediaKey, FileSha256 = upload.FileSha256, FileEncSha256 = upload.FileEncSha256,
                    FileLength = upload.Length, MediaKeyTimestamp = timestamp,
                },
            },
        };
    }

    /// <summary>Encrypts the request's media under a fresh media key with the kind's HKDF info and stores the blob on the media host.</summary>
    private static MediaUpload Upload(string kind, SendRequest request, MediaStore media, Uri mediaUri)
    {
        var base64 = request.MediaBase64 ?? request.ImageBase64;
        byte[] plaintext;
        try
        {
            plaintext = Convert.FromBase64String(Require(base64, "mediaBase64"));
        }
        catch (FormatException)
        {
            throw new SimRequestException(400, "mediaBase64 is not base64");
        }

        var (info, folder) = MediaKinds[kind];
        var mediaKey = RandomNumberGenerator.GetBytes(SecretSize);
        var keys = MediaKeys.Expand(mediaKey, info);
        using var aes = Aes.Create();
        aes.Key = keys.CipherKey;
        var ciphertext = aes.EncryptCbc(plaintext, keys.Iv);
        byte[] blob = [.. ciphertext, .. keys.Mac(ciphertext)];
        var encSha256 = SHA256.HashData(blob);
        var token = Convert.ToBase64String(encSha256).Replace('+', '-').Replace('/', '_').TrimEnd('=');
        var path = media.Store($"/mms/{folder}/{token}", blob);
        return new MediaUpload(new Uri(mediaUri, path.TrimStart('/')).ToString(), path, ByteString.CopyFrom(mediaKey),
            ByteString.CopyFrom(SHA256.HashData(plaintext)), ByteString.CopyFrom(encSha256), (ulong)plaintext.Length);
    }

    private static string Require(string? value, string name) => string.IsNullOrEmpty(value) ? throw Missing(name) : value;

    private static SimRequestException Missing(string name) => new(400, $"this kind of message needs {name}");
}

/// <summary>Where an encrypted media blob was stored and the fields a media message carries about it.</summary>
internal sealed record MediaUpload(string Url, string Path, ByteString MediaKey, ByteString FileSha256, ByteString FileEncSha256, ulong Length);

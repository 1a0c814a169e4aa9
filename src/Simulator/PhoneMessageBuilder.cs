using System.Security.Cryptography;
using Google.Protobuf;
using WaOrleans.Protocol.Proto;

namespace WaOrleans.Simulator;

/// <summary>Builds the messages a simulated phone sends (PROTOCOL.md §6): text, reply, reaction, location, contact, poll, image.</summary>
internal static class PhoneMessageBuilder
{
    /// <summary>Size of a media key and of a poll's message secret.</summary>
    private const int SecretSize = 32;

    /// <summary>Builds the message for a send request; an image is encrypted and stored on the media host first.</summary>
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
        "image" => Image(request, media, mediaUri, now),
        var kind => throw new SimRequestException(400, $"unknown kind {kind}: use text, reply, reaction, location, contact, poll or image"),
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

    private static Message Image(SendRequest request, MediaStore media, Uri mediaUri, DateTimeOffset now)
    {
        byte[] plaintext;
        try
        {
            plaintext = Convert.FromBase64String(Require(request.ImageBase64, "imageBase64"));
        }
        catch (FormatException)
        {
            throw new SimRequestException(400, "imageBase64 is not base64");
        }

        var mediaKey = RandomNumberGenerator.GetBytes(SecretSize);
        var keys = MediaKeys.Expand(mediaKey, "WhatsApp Image Keys");
        using var aes = Aes.Create();
        aes.Key = keys.CipherKey;
        var ciphertext = aes.EncryptCbc(plaintext, keys.Iv);
        byte[] blob = [.. ciphertext, .. keys.Mac(ciphertext)];
        var encSha256 = SHA256.HashData(blob);
        var token = Convert.ToBase64String(encSha256).Replace('+', '-').Replace('/', '_').TrimEnd('=');
        var path = media.Store("/mms/image/" + token, blob);
        return new Message
        {
            ImageMessage = new Message.Types.ImageMessage
            {
                Url = new Uri(mediaUri, path.TrimStart('/')).ToString(),
                DirectPath = path,
                Mimetype = request.Mimetype ?? "image/jpeg",
                Caption = request.Text ?? "",
                MediaKey = ByteString.CopyFrom(mediaKey),
                FileSha256 = ByteString.CopyFrom(SHA256.HashData(plaintext)),
                FileEncSha256 = ByteString.CopyFrom(encSha256),
                FileLength = (ulong)plaintext.Length,
                MediaKeyTimestamp = now.ToUnixTimeSeconds(),
            },
        };
    }

    private static string Require(string? value, string name) => string.IsNullOrEmpty(value) ? throw Missing(name) : value;

    private static SimRequestException Missing(string name) => new(400, $"this kind of message needs {name}");
}

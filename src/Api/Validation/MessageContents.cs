using System.Text.Json;
using WaOrleans.Api.Contracts;
using WaOrleans.Api.Errors;
using WaOrleans.Grains.Messages;

namespace WaOrleans.Api.Validation;

/// <summary>Turns a <see cref="MessageBody"/> into the grains' <see cref="MessageContent"/>, refusing what cannot be sent with a 400 naming the field.</summary>
public static class MessageContents
{
    private const int MaxTextLength = 65_536;
    private const int MaxPollOptions = 12;
    private const int MinPollOptions = 2;
    private const int MaxUrlLength = 2048;

    private static readonly Dictionary<string, MessageKind> Kinds = new(StringComparer.Ordinal)
    {
        ["text"] = MessageKind.Text,
        ["image"] = MessageKind.Image,
        ["video"] = MessageKind.Video,
        ["audio"] = MessageKind.Audio,
        ["voice"] = MessageKind.Voice,
        ["document"] = MessageKind.Document,
        ["sticker"] = MessageKind.Sticker,
        ["location"] = MessageKind.Location,
        ["contact"] = MessageKind.Contact,
        ["poll"] = MessageKind.Poll,
        ["reaction"] = MessageKind.Reaction,
    };

    /// <summary>Builds the content; <paramref name="prefix"/> is put before field names (<c>message.</c>).</summary>
    public static MessageContent ToContent(MessageBody body, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(body);
        var type = body.Type ?? "text";
        if (!Kinds.TryGetValue(type, out var kind))
        {
            throw ApiException.Invalid("invalid_type", $"'{prefix}type' must be one of {string.Join(", ", Kinds.Keys)}", prefix + "type");
        }

        return kind switch
        {
            MessageKind.Text => new MessageContent
            {
                Kind = kind,
                Text = Text(body.Text, prefix + "text", required: true),
                Header = Text(body.Header, prefix + "header", required: false),
                Footer = Text(body.Footer, prefix + "footer", required: false),
            },
            MessageKind.Location => Location(body.Location, prefix + "location"),
            MessageKind.Contact => Contact(body.Contact, prefix + "contact"),
            MessageKind.Poll => Poll(body.Poll, prefix + "poll"),
            MessageKind.Reaction => Reaction(body.Reaction, prefix + "reaction"),
            _ => new MessageContent
            {
                Kind = kind,
                Media = Media(body.Media, prefix + "media", kind),
                Text = Text(body.Caption ?? body.Text, prefix + "caption", required: false),
            },
        };
    }

    /// <summary>Builds the content of <c>POST /api/send</c>'s <c>message</c>: a string is a text.</summary>
    public static MessageContent FromShortcut(JsonElement? message, JsonSerializerOptions options)
    {
        switch (message)
        {
            case null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined }:
                throw ApiException.Missing("message");
            case { ValueKind: JsonValueKind.String } text:
                return new MessageContent { Kind = MessageKind.Text, Text = Text(text.GetString(), "message", required: true) };
            case { ValueKind: JsonValueKind.Object } json:
                MessageBody body;
                try
                {
                    body = json.Deserialize<MessageBody>(options)!;
                }
                catch (JsonException e)
                {
                    var field = e.Path is { Length: > 2 } path ? "message." + path[2..] : "message";
                    throw ApiException.Invalid("invalid_json", $"'{field}' has the wrong type", field);
                }

                return ToContent(body, "message.");
            default:
                throw ApiException.Invalid("invalid_message", "'message' must be a text or a message object", "message");
        }
    }

    private static string? Text(string? value, string field, bool required)
    {
        if (required && string.IsNullOrEmpty(value))
        {
            throw ApiException.Missing(field);
        }

        return value is { Length: > MaxTextLength }
            ? throw ApiException.Invalid("text_too_long", $"'{field}' is longer than {MaxTextLength} characters", field)
            : value;
    }

    private static MediaSource Media(MediaBody? media, string field, MessageKind kind)
    {
        if (media is null)
        {
            throw ApiException.Missing(field);
        }

        if (media.Url is null == media.Base64 is null)
        {
            throw ApiException.Invalid("invalid_media", $"'{field}' needs exactly one of 'url' and 'base64'", field);
        }

        byte[]? data = null;
        if (media.Url is not null)
        {
            if (media.Url.Length > MaxUrlLength
                || !Uri.TryCreate(media.Url, UriKind.Absolute, out var uri)
                || uri.Scheme is not ("http" or "https"))
            {
                throw ApiException.Invalid("invalid_url", $"'{field}.url' must be an absolute http(s) URL of at most {MaxUrlLength} characters", field + ".url");
            }
        }
        else
        {
            data = DecodeBase64(media.Base64!) ?? throw ApiException.Invalid("invalid_base64", $"'{field}.base64' is not valid base64", field + ".base64");
            if (data.Length == 0)
            {
                throw ApiException.Invalid("invalid_base64", $"'{field}.base64' is empty", field + ".base64");
            }
        }

        if (media.MimeType is { } mime && (mime.Length > 200 || !mime.Contains('/', StringComparison.Ordinal)))
        {
            throw ApiException.Invalid("invalid_mime_type", $"'{field}.mimeType' must look like type/subtype", field + ".mimeType");
        }

        if (kind == MessageKind.Document && string.IsNullOrWhiteSpace(media.FileName))
        {
            throw ApiException.Missing(field + ".fileName");
        }

        if (media.FileName is { Length: > 255 })
        {
            throw ApiException.Invalid("invalid_file_name", $"'{field}.fileName' is longer than 255 characters", field + ".fileName");
        }

        return new MediaSource { Url = media.Url, Data = data, MimeType = media.MimeType, FileName = media.FileName };
    }

    private static byte[]? DecodeBase64(string text)
    {
        // Accept the URL alphabet and missing padding as well as standard base64.
        var normalized = text.Trim().Replace('-', '+').Replace('_', '/');
        if (normalized.Contains(',', StringComparison.Ordinal) && normalized.StartsWith("data:", StringComparison.Ordinal))
        {
            normalized = normalized[(normalized.IndexOf(',', StringComparison.Ordinal) + 1)..];
        }

        normalized = normalized.PadRight(normalized.Length + ((4 - (normalized.Length % 4)) % 4), '=');
        var buffer = new byte[normalized.Length * 3 / 4];
        return Convert.TryFromBase64String(normalized, buffer, out var written) ? buffer[..written] : null;
    }

    private static MessageContent Location(LocationBody? location, string field)
    {
        if (location is null)
        {
            throw ApiException.Missing(field);
        }

        if (location.Latitude is not { } latitude || double.IsNaN(latitude) || latitude is < -90 or > 90)
        {
            throw ApiException.Invalid("invalid_location", $"'{field}.latitude' must be a number from -90 to 90", field + ".latitude");
        }

        if (location.Longitude is not { } longitude || double.IsNaN(longitude) || longitude is < -180 or > 180)
        {
            throw ApiException.Invalid("invalid_location", $"'{field}.longitude' must be a number from -180 to 180", field + ".longitude");
        }

        return new MessageContent { Kind = MessageKind.Location, Latitude = latitude, Longitude = longitude, Name = location.Name, Address = location.Address };
    }

    private static MessageContent Contact(ContactBody? contact, string field)
    {
        if (contact is null)
        {
            throw ApiException.Missing(field);
        }

        if (contact.VCard is null)
        {
            if (string.IsNullOrWhiteSpace(contact.Name))
            {
                throw ApiException.Missing(field + ".name");
            }

            Recipients.NormalizePhone(contact.Phone, field + ".phone");
        }

        return new MessageContent { Kind = MessageKind.Contact, Name = contact.Name, Phone = contact.Phone, VCard = contact.VCard };
    }

    private static MessageContent Poll(PollBody? poll, string field)
    {
        if (poll is null)
        {
            throw ApiException.Missing(field);
        }

        var question = Text(poll.Question, field + ".question", required: true);
        if (poll.Options is not { Count: >= MinPollOptions and <= MaxPollOptions } options
            || options.Any(string.IsNullOrWhiteSpace)
            || options.Distinct(StringComparer.Ordinal).Count() != options.Count)
        {
            throw ApiException.Invalid("invalid_poll", $"'{field}.options' must be {MinPollOptions} to {MaxPollOptions} distinct, non-empty options", field + ".options");
        }

        if (poll.SelectableCount is { } count && (count < 1 || count > options.Count))
        {
            throw ApiException.Invalid("invalid_poll", $"'{field}.selectableCount' must be from 1 to the number of options", field + ".selectableCount");
        }

        return new MessageContent { Kind = MessageKind.Poll, Text = question, Options = options, SelectableCount = poll.SelectableCount };
    }

    private static MessageContent Reaction(ReactionBody? reaction, string field)
    {
        if (reaction is null)
        {
            throw ApiException.Missing(field);
        }

        if (string.IsNullOrWhiteSpace(reaction.MessageId))
        {
            throw ApiException.Missing(field + ".messageId");
        }

        return new MessageContent { Kind = MessageKind.Reaction, TargetMessageId = reaction.MessageId, Emoji = reaction.Emoji ?? "" };
    }
}

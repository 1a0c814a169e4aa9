using WaOrleans.Grains.Messages;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Media;
using WaOrleans.Protocol.Proto;

namespace WaOrleans.Grains.Sessions;

/// <summary>
/// Turns a <see cref="SendMessageRequest"/> into WhatsApp content: checks it first (each mistake a
/// <see cref="GatewayException"/> naming its field), then builds the protobuf <see cref="Protocol.Proto.Message"/>
/// with <see cref="MessageBuilder"/>, uploading media through the client.
/// </summary>
internal static class MessageComposer
{
    /// <summary>The longest text WhatsApp accepts in one message.</summary>
    private const int MaxTextLength = 65_536;

    /// <summary>WhatsApp polls have 2 to 12 options.</summary>
    private const int MinPollOptions = 2;

    /// <summary>WhatsApp polls have 2 to 12 options.</summary>
    private const int MaxPollOptions = 12;

    /// <summary>Gets the log's type word of a kind.</summary>
    public static string TypeWord(MessageKind kind) => kind switch
    {
        MessageKind.Text => "text",
        MessageKind.Image => "image",
        MessageKind.Video => "video",
        MessageKind.Audio => "audio",
        MessageKind.Voice => "voice",
        MessageKind.Document => "document",
        MessageKind.Sticker => "sticker",
        MessageKind.Location => "location",
        MessageKind.Contact => "contact",
        MessageKind.Poll => "poll",
        MessageKind.Reaction => "reaction",
        _ => "unknown",
    };

    /// <summary>Gets whether a kind carries a media blob.</summary>
    public static bool IsMedia(MessageKind kind) =>
        kind is MessageKind.Image or MessageKind.Video or MessageKind.Audio or MessageKind.Voice or MessageKind.Document or MessageKind.Sticker;

    /// <summary>Gets the text the log shows for the content.</summary>
    public static string? LogText(MessageContent content) => content.Kind switch
    {
        MessageKind.Reaction => content.Emoji,
        MessageKind.Contact or MessageKind.Location => content.Name,
        _ => content.Text,
    };

    /// <summary>Checks the request; returns the mentioned JIDs.</summary>
    /// <exception cref="GatewayException">A field is missing or out of range (<c>Invalid</c>).</exception>
    public static IReadOnlyList<Jid> Validate(SendMessageRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var content = request.Content ?? throw Invalid("content_required", "content", "content is required");
        switch (content.Kind)
        {
            case MessageKind.Text:
                RequireText(content.Text, "content.text");
                break;
            case MessageKind.Image or MessageKind.Video or MessageKind.Audio or MessageKind.Voice or MessageKind.Document or MessageKind.Sticker:
                if (content.Media is not { } media || (media.Data is null && string.IsNullOrWhiteSpace(media.Url)))
                {
                    throw Invalid("media_required", "content.media", $"a {TypeWord(content.Kind)} needs media: a url or base64 data");
                }

                if (media.Data is not null && media.Url is not null)
                {
                    throw Invalid("invalid_media", "content.media", "give either url or data, not both");
                }

                if (media.Url is { } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
                {
                    throw Invalid("invalid_media_url", "content.media.url", $"'{url}' is not an absolute http(s) URL");
                }

                if (content.Text is { Length: > MaxTextLength })
                {
                    throw Invalid("text_too_long", "content.text", $"a caption is at most {MaxTextLength} characters");
                }

                break;
            case MessageKind.Location:
                if (content.Latitude is not (>= -90 and <= 90))
                {
                    throw Invalid("invalid_latitude", "content.latitude", "latitude must be between -90 and 90");
                }

                if (content.Longitude is not (>= -180 and <= 180))
                {
                    throw Invalid("invalid_longitude", "content.longitude", "longitude must be between -180 and 180");
                }

                break;
            case MessageKind.Contact:
                if (string.IsNullOrWhiteSpace(content.Name))
                {
                    throw Invalid("name_required", "content.name", "a contact card needs the contact's name");
                }

                if (string.IsNullOrWhiteSpace(content.VCard) && (content.Phone is null || Recipients.Digits(content.Phone) is null))
                {
                    throw Invalid("phone_required", "content.phone", "a contact card needs a vCard or the contact's phone number in international digits");
                }

                break;
            case MessageKind.Poll:
                RequireText(content.Text, "content.text");
                var options = content.Options ?? [];
                if (options.Count is < MinPollOptions or > MaxPollOptions || options.Any(string.IsNullOrWhiteSpace))
                {
                    throw Invalid("invalid_options", "content.options", $"a poll needs {MinPollOptions} to {MaxPollOptions} non-empty options");
                }

                if (options.Distinct(StringComparer.Ordinal).Count() != options.Count)
                {
                    throw Invalid("invalid_options", "content.options", "poll options must be different from each other");
                }

                if (content.SelectableCount is { } count && (count < 0 || count > options.Count))
                {
                    throw Invalid("invalid_selectable_count", "content.selectableCount", $"selectableCount must be between 0 (any) and {options.Count}");
                }

                break;
            case MessageKind.Reaction:
                if (string.IsNullOrWhiteSpace(content.TargetMessageId))
                {
                    throw Invalid("target_required", "content.targetMessageId", "a reaction needs the id of the message it is for");
                }

                if (content.Emoji is null)
                {
                    throw Invalid("emoji_required", "content.emoji", "a reaction needs an emoji (empty removes it)");
                }

                break;
            default:
                throw Invalid("invalid_type", "content.type", $"unknown message type {content.Kind}");
        }

        return [.. (request.Mentions ?? []).Select(m =>
        {
            var jid = Recipients.Parse(m, "mentions");
            return jid.IsGroup ? throw Invalid("invalid_recipient", "mentions", $"'{m}' is a group; only users can be mentioned") : jid;
        })];
    }

    /// <summary>Builds the content of a request, uploading its media.</summary>
    /// <param name="client">The connected client, for media uploads.</param>
    /// <param name="request">The checked request.</param>
    /// <param name="to">The chat.</param>
    /// <param name="media">The media bytes, fetched already for a media kind.</param>
    /// <param name="quoted">The logged message <see cref="SendMessageRequest.ReplyTo"/> names, or null.</param>
    /// <param name="target">The logged message a reaction is for, or null when the log does not have it.</param>
    /// <param name="me">The linked number's JID.</param>
    /// <param name="mentions">The mentioned users.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    public static async Task<Message> BuildAsync(WaClient client, SendMessageRequest request, Jid to, FetchedMedia? media, LoggedMessage? quoted,
        LoggedMessage? target, Jid me, IReadOnlyList<Jid> mentions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        var content = request.Content;
        var message = content.Kind switch
        {
            MessageKind.Text => string.IsNullOrEmpty(content.Header) && string.IsNullOrEmpty(content.Footer)
                ? MessageBuilder.Text(content.Text!)
                : MessageBuilder.TextWithHeaderAndFooter(content.Header, content.Text!, content.Footer),
            MessageKind.Location => MessageBuilder.Location(content.Latitude!.Value, content.Longitude!.Value, content.Name, content.Address),
            MessageKind.Contact => MessageBuilder.Contact(content.Name!, content.VCard is { Length: > 0 } vcard ? vcard : VCard(content.Name!, Recipients.Digits(content.Phone!)!)),
            MessageKind.Poll => MessageBuilder.Poll(content.Text!, content.Options!, (uint)(content.SelectableCount ?? 1)),
            MessageKind.Reaction => MessageBuilder.Reaction(ReactionKey(to, content.TargetMessageId!, target), content.Emoji!, DateTimeOffset.UtcNow),
            _ => await UploadAsync(client, content, media ?? throw new InvalidOperationException("media was not fetched"), cancellationToken).ConfigureAwait(false),
        };

        if (content.Kind != MessageKind.Reaction && (quoted is not null || mentions.Count > 0))
        {
            var context = new ContextInfo();
            if (quoted is not null)
            {
                context.StanzaId = quoted.Record.MessageId;
                context.Participant = QuotedAuthor(quoted, me).ToString();
                if (quoted.Content is { } bytes)
                {
                    context.QuotedMessage = MessageDescription.Unwrap(Message.Parser.ParseFrom(bytes));
                }
            }

            context.MentionedJid.AddRange(mentions.Select(j => j.ToString()));
            ApplyContext(message, context);
        }

        return message;
    }

    private static async Task<Message> UploadAsync(WaClient client, MessageContent content, FetchedMedia media, CancellationToken cancellationToken)
    {
        var type = content.Kind switch
        {
            MessageKind.Image => MediaType.Image,
            MessageKind.Video => MediaType.Video,
            MessageKind.Audio or MessageKind.Voice => MediaType.Audio,
            MessageKind.Document => MediaType.Document,
            _ => MediaType.Sticker,
        };
        using var stream = new MemoryStream(media.Data, writable: false);
        var uploaded = await client.UploadMediaAsync(stream, type, cancellationToken).ConfigureAwait(false);
        var caption = string.IsNullOrEmpty(content.Text) ? null : content.Text;
        return content.Kind switch
        {
            MessageKind.Image => MessageBuilder.Image(uploaded, media.MimeType, caption),
            MessageKind.Video => MessageBuilder.Video(uploaded, media.MimeType, caption),
            MessageKind.Audio => MessageBuilder.Audio(uploaded, media.MimeType),
            MessageKind.Voice => MessageBuilder.VoiceNote(uploaded, media.MimeType),
            MessageKind.Document => MessageBuilder.Document(uploaded, media.FileName ?? "file", media.MimeType, caption),
            _ => MessageBuilder.Sticker(uploaded, mimetype: media.MimeType),
        };
    }

    /// <summary>Names the message a reaction is for: ours when the log says we sent it, else the other side's.</summary>
    private static MessageKey ReactionKey(Jid chat, string targetId, LoggedMessage? target)
    {
        if (target is { FromMe: true })
        {
            return MessageBuilder.Key(chat, targetId, fromMe: true);
        }

        Jid? participant = chat.IsGroup && target?.Record.SenderJid is { } sender && Jid.TryParse(sender, out var s) ? s : null;
        return MessageBuilder.Key(chat, targetId, fromMe: false, participant);
    }

    private static Jid QuotedAuthor(LoggedMessage quoted, Jid me) =>
        quoted.FromMe ? me.WithoutDevice()
        : quoted.Record.SenderJid is { } sender && Jid.TryParse(sender, out var jid) ? jid.WithoutDevice()
        : Jid.Parse(quoted.Record.Chat);

    /// <summary>Attaches a reply or mentions to whichever content the message carries (a plain text becomes an extended text).</summary>
    private static void ApplyContext(Message message, ContextInfo context)
    {
        if (message.HasConversation)
        {
            message.ExtendedTextMessage = new Message.Types.ExtendedTextMessage { Text = message.Conversation };
            message.ClearConversation();
        }

        switch (message)
        {
            case { ExtendedTextMessage: { } m }: m.ContextInfo = context; break;
            case { ImageMessage: { } m }: m.ContextInfo = context; break;
            case { VideoMessage: { } m }: m.ContextInfo = context; break;
            case { AudioMessage: { } m }: m.ContextInfo = context; break;
            case { DocumentMessage: { } m }: m.ContextInfo = context; break;
            case { StickerMessage: { } m }: m.ContextInfo = context; break;
            case { LocationMessage: { } m }: m.ContextInfo = context; break;
            case { ContactMessage: { } m }: m.ContextInfo = context; break;
            case { PollCreationMessage: { } m }: m.ContextInfo = context; break;
            default: break;
        }
    }

    private static string VCard(string name, string digits) =>
        $"BEGIN:VCARD\nVERSION:3.0\nFN:{name}\nTEL;type=CELL;type=VOICE;waid={digits}:+{digits}\nEND:VCARD";

    private static void RequireText(string? text, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Invalid("text_required", field, "the text is required");
        }

        if (text.Length > MaxTextLength)
        {
            throw Invalid("text_too_long", field, $"the text is at most {MaxTextLength} characters");
        }
    }

    private static GatewayException Invalid(string code, string field, string message) => new(GatewayErrorKind.Invalid, code, message, field);
}

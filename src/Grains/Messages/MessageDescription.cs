using WaOrleans.Protocol.Proto;

namespace WaOrleans.Grains.Messages;

/// <summary>What the log and the webhooks say about a message's content: its type word, text and media facts.</summary>
/// <param name="Type">The type word: <c>text</c>, <c>image</c>, <c>video</c>, <c>audio</c>, <c>voice</c>, <c>document</c>, <c>sticker</c>, <c>location</c>, <c>contact</c>, <c>poll</c>, <c>reaction</c>, <c>poll_vote</c> or <c>unknown</c>.</param>
/// <param name="Text">The text, caption, emoji, poll question, contact name or place name.</param>
/// <param name="QuotedId">The id of the quoted message (a reply), or of the message a reaction is for.</param>
/// <param name="MimeType">The media MIME type.</param>
/// <param name="MediaSize">The media size in bytes.</param>
/// <param name="FileName">The document's file name.</param>
internal sealed record MessageDescription(string Type, string? Text, string? QuotedId, string? MimeType, long? MediaSize, string? FileName)
{
    /// <summary>Gets whether nothing a user wrote is in the message (protocol traffic, key handovers, encrypted poll votes).</summary>
    public bool IsSignalling => Type == "unknown";

    /// <summary>Gets whether the message carries a media blob.</summary>
    public bool HasMedia => MimeType is not null;

    /// <summary>Describes a message, looking inside the wrappers WhatsApp puts around content.</summary>
    public static MessageDescription Of(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var m = Unwrap(message);
        return m switch
        {
            { HasConversation: true } => new("text", m.Conversation, null, null, null, null),
            { ExtendedTextMessage: { } t } => new("text", t.Text, Quoted(t.ContextInfo), null, null, null),
            { ImageMessage: { } i } => new("image", Nullable(i.Caption), Quoted(i.ContextInfo), i.Mimetype, (long)i.FileLength, null),
            { VideoMessage: { } v } => new("video", Nullable(v.Caption), Quoted(v.ContextInfo), v.Mimetype, (long)v.FileLength, null),
            { PtvMessage: { } v } => new("video", Nullable(v.Caption), Quoted(v.ContextInfo), v.Mimetype, (long)v.FileLength, null),
            { AudioMessage: { } a } => new(a.Ptt ? "voice" : "audio", null, Quoted(a.ContextInfo), a.Mimetype, (long)a.FileLength, null),
            { DocumentMessage: { } d } => new("document", Nullable(d.Caption), Quoted(d.ContextInfo), d.Mimetype, (long)d.FileLength, Nullable(d.FileName)),
            { StickerMessage: { } s } => new("sticker", null, Quoted(s.ContextInfo), s.Mimetype, (long)s.FileLength, null),
            { LocationMessage: { } l } => new("location", Nullable(l.Name) ?? Nullable(l.Address), Quoted(l.ContextInfo), null, null, null),
            { ContactMessage: { } c } => new("contact", Nullable(c.DisplayName), Quoted(c.ContextInfo), null, null, null),
            { PollCreationMessage: { } p } => Poll(p),
            { PollCreationMessageV2: { } p } => Poll(p),
            { PollCreationMessageV3: { } p } => Poll(p),
            { ReactionMessage: { } r } => new("reaction", r.Text, Nullable(r.Key?.Id), null, null, null),
            _ => new("unknown", null, null, null, null, null),
        };
    }

    /// <summary>Removes the device-sent, ephemeral, view-once and document-with-caption wrappers.</summary>
    public static Message Unwrap(Message message) => message switch
    {
        { DeviceSentMessage.Message: { } inner } => Unwrap(inner),
        { EphemeralMessage.Message: { } inner } => Unwrap(inner),
        { ViewOnceMessage.Message: { } inner } => Unwrap(inner),
        { ViewOnceMessageV2.Message: { } inner } => Unwrap(inner),
        { ViewOnceMessageV2Extension.Message: { } inner } => Unwrap(inner),
        { DocumentWithCaptionMessage.Message: { } inner } => Unwrap(inner),
        _ => message,
    };

    private static MessageDescription Poll(Message.Types.PollCreationMessage poll) => new("poll", poll.Name, Quoted(poll.ContextInfo), null, null, null);

    private static string? Quoted(ContextInfo? context) => Nullable(context?.StanzaId);

    private static string? Nullable(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

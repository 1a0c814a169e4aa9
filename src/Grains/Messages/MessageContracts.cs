namespace WaOrleans.Grains.Messages;

/// <summary>The content types the API sends (DESIGN.md "REST API", messages).</summary>
[GenerateSerializer, Alias("WaOrleans.MessageKind")]
public enum MessageKind
{
    /// <summary>Text, optionally with a bold header and an italic footer.</summary>
    Text,

    /// <summary>An image with an optional caption.</summary>
    Image,

    /// <summary>A video with an optional caption.</summary>
    Video,

    /// <summary>An audio file.</summary>
    Audio,

    /// <summary>A voice note (push-to-talk audio).</summary>
    Voice,

    /// <summary>A document with a file name.</summary>
    Document,

    /// <summary>A sticker (WebP).</summary>
    Sticker,

    /// <summary>A location pin.</summary>
    Location,

    /// <summary>A contact card (vCard).</summary>
    Contact,

    /// <summary>A poll.</summary>
    Poll,

    /// <summary>A reaction to an earlier message.</summary>
    Reaction,
}

/// <summary>Where the bytes of a media message come from: a URL the gateway downloads, or the bytes themselves.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.MediaSource")]
public sealed record MediaSource
{
    /// <summary>Gets an absolute http(s) URL to download the media from.</summary>
    [Id(0)] public string? Url { get; init; }

    /// <summary>Gets the media bytes (the API decodes base64 into this).</summary>
    [Id(1)] public byte[]? Data { get; init; }

    /// <summary>Gets the MIME type; guessed from the file name or URL when absent.</summary>
    [Id(2)] public string? MimeType { get; init; }

    /// <summary>Gets the file name (required for documents).</summary>
    [Id(3)] public string? FileName { get; init; }
}

/// <summary>What to send: <see cref="Kind"/> says which of the other members apply.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.MessageContent")]
public sealed record MessageContent
{
    /// <summary>Gets the content type.</summary>
    [Id(0)] public required MessageKind Kind { get; init; }

    /// <summary>Gets the text (text messages), or the caption (image, video, document).</summary>
    [Id(1)] public string? Text { get; init; }

    /// <summary>Gets the bold header of a text message.</summary>
    [Id(2)] public string? Header { get; init; }

    /// <summary>Gets the italic footer of a text message.</summary>
    [Id(3)] public string? Footer { get; init; }

    /// <summary>Gets the media of image, video, audio, voice, document and sticker messages.</summary>
    [Id(4)] public MediaSource? Media { get; init; }

    /// <summary>Gets the latitude of a location.</summary>
    [Id(5)] public double? Latitude { get; init; }

    /// <summary>Gets the longitude of a location.</summary>
    [Id(6)] public double? Longitude { get; init; }

    /// <summary>Gets the place name of a location, or the display name of a contact.</summary>
    [Id(7)] public string? Name { get; init; }

    /// <summary>Gets the address of a location.</summary>
    [Id(8)] public string? Address { get; init; }

    /// <summary>Gets the vCard of a contact; built from <see cref="Name"/> and <see cref="Phone"/> when absent.</summary>
    [Id(9)] public string? VCard { get; init; }

    /// <summary>Gets the phone number of a contact card.</summary>
    [Id(10)] public string? Phone { get; init; }

    /// <summary>Gets the options of a poll (its question is <see cref="Text"/>).</summary>
    [Id(11)] public IReadOnlyList<string>? Options { get; init; }

    /// <summary>Gets how many options a poll voter may pick (default 1).</summary>
    [Id(12)] public int? SelectableCount { get; init; }

    /// <summary>Gets the id of the message a reaction is for.</summary>
    [Id(13)] public string? TargetMessageId { get; init; }

    /// <summary>Gets the emoji of a reaction (empty removes it).</summary>
    [Id(14)] public string? Emoji { get; init; }
}

/// <summary>A message to send from a session.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.SendMessageRequest")]
public sealed record SendMessageRequest
{
    /// <summary>Gets the recipient: <c>+1 555 123 4567</c>, <c>15551234567</c> or a JID (user, group or LID).</summary>
    [Id(0)] public required string To { get; init; }

    /// <summary>Gets the content.</summary>
    [Id(1)] public required MessageContent Content { get; init; }

    /// <summary>Gets the id of a message in the same chat this one replies to.</summary>
    [Id(2)] public string? ReplyTo { get; init; }

    /// <summary>Gets the users mentioned (numbers or JIDs).</summary>
    [Id(3)] public IReadOnlyList<string>? Mentions { get; init; }

    /// <summary>Gets the key that makes a retried request return the first result instead of sending again.</summary>
    [Id(4)] public string? IdempotencyKey { get; init; }

    /// <summary>
    /// Gets the tenant the caller is limited to, or null for any: a session of another tenant
    /// answers <c>session_not_found</c> exactly as one that does not exist, before anything else is
    /// checked. The API passes it so a send needs no lookup of the session's tenant first.
    /// </summary>
    [Id(5)] public string? TenantScope { get; init; }
}

/// <summary>What became of a send.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.SendMessageResult")]
public sealed record SendMessageResult
{
    /// <summary>Gets the message id, persisted before the message left.</summary>
    [Id(0)] public required string MessageId { get; init; }

    /// <summary>Gets the status word: <c>pending</c>, <c>sent</c>, <c>delivered</c>, <c>read</c> or <c>failed</c>.</summary>
    [Id(1)] public required string Status { get; init; }

    /// <summary>Gets the chat JID the message went to.</summary>
    [Id(2)] public required string Chat { get; init; }

    /// <summary>Gets why the send failed, when it did.</summary>
    [Id(3)] public string? Reason { get; init; }

    /// <summary>Gets whether this is the first result of an earlier request with the same idempotency key.</summary>
    [Id(4)] public bool Replayed { get; init; }

    /// <summary>Gets when the message was accepted.</summary>
    [Id(5)] public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>One message of the log, sent or received (DESIGN.md "Message log").</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.MessageRecord")]
public sealed record MessageRecord
{
    /// <summary>Gets the session id.</summary>
    [Id(0)] public required string SessionId { get; init; }

    /// <summary>Gets the message id.</summary>
    [Id(1)] public required string MessageId { get; init; }

    /// <summary>Gets <c>in</c> or <c>out</c>.</summary>
    [Id(2)] public required string Direction { get; init; }

    /// <summary>
    /// Gets the chat JID (the group, or the other user). A 1:1 chat WhatsApp addressed by LID is shown
    /// as the number JID (<c>…@s.whatsapp.net</c>) the session's LID mappings name, with the LID in
    /// <see cref="ChatLid"/>; a LID nobody mapped is shown as it is.
    /// </summary>
    [Id(3)] public required string Chat { get; init; }

    /// <summary>Gets the status word: <c>pending</c>, <c>sent</c>, <c>delivered</c>, <c>read</c>, <c>failed</c>, or <c>received</c> for inbound.</summary>
    [Id(4)] public required string Status { get; init; }

    /// <summary>Gets the content type word (<c>text</c>, <c>image</c>, …, <c>unknown</c>).</summary>
    [Id(5)] public required string Type { get; init; }

    /// <summary>Gets the text or caption.</summary>
    [Id(6)] public string? Text { get; init; }

    /// <summary>Gets the sender JID (inbound), as the stanza named it.</summary>
    [Id(7)] public string? SenderJid { get; init; }

    /// <summary>Gets the sender's phone number (digits) when known.</summary>
    [Id(8)] public string? SenderPhone { get; init; }

    /// <summary>Gets the sender's LID when known.</summary>
    [Id(9)] public string? SenderLid { get; init; }

    /// <summary>Gets the sender's push name.</summary>
    [Id(10)] public string? PushName { get; init; }

    /// <summary>Gets whether the chat is a group.</summary>
    [Id(11)] public bool IsGroup { get; init; }

    /// <summary>Gets the id of the quoted message.</summary>
    [Id(12)] public string? QuotedId { get; init; }

    /// <summary>Gets the media MIME type.</summary>
    [Id(13)] public string? MimeType { get; init; }

    /// <summary>Gets the media size in bytes.</summary>
    [Id(14)] public long? MediaSize { get; init; }

    /// <summary>Gets the media file name.</summary>
    [Id(15)] public string? FileName { get; init; }

    /// <summary>Gets why the message failed.</summary>
    [Id(16)] public string? Reason { get; init; }

    /// <summary>Gets the WhatsApp timestamp (inbound) or when it was accepted (outbound).</summary>
    [Id(17)] public DateTimeOffset Timestamp { get; init; }

    /// <summary>Gets when the status last changed.</summary>
    [Id(18)] public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Gets the idempotency key of an outbound message.</summary>
    [Id(19)] public string? IdempotencyKey { get; init; }

    /// <summary>Gets whether the message carries downloadable media.</summary>
    [Id(20)] public bool HasMedia { get; init; }

    /// <summary>
    /// Gets the LID (<c>…@lid</c>) the chat is stored under when <see cref="Chat"/> shows the number it
    /// maps to; null when <see cref="Chat"/> is the stored JID.
    /// </summary>
    [Id(21)] public string? ChatLid { get; init; }
}

/// <summary>Filters and a page position over one session's message log.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.MessageQuery")]
public sealed record MessageQuery
{
    /// <summary>Gets <c>in</c>, <c>out</c> or null for both.</summary>
    [Id(0)] public string? Direction { get; init; }

    /// <summary>Gets a status word to match.</summary>
    [Id(1)] public string? Status { get; init; }

    /// <summary>Gets a chat JID to match: a contact's number JID or its LID both find the whole conversation.</summary>
    [Id(2)] public string? Chat { get; init; }

    /// <summary>Gets the earliest timestamp to include.</summary>
    [Id(3)] public DateTimeOffset? Since { get; init; }

    /// <summary>Gets the page size (1–200).</summary>
    [Id(4)] public int Limit { get; init; } = 50;

    /// <summary>Gets the opaque cursor from the previous page.</summary>
    [Id(5)] public string? Cursor { get; init; }
}

/// <summary>A page of the message log, newest first.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.MessagePage")]
public sealed record MessagePage
{
    /// <summary>Gets the messages.</summary>
    [Id(0)] public required IReadOnlyList<MessageRecord> Items { get; init; }

    /// <summary>Gets the cursor of the next page, or null on the last one.</summary>
    [Id(1)] public string? NextCursor { get; init; }
}

/// <summary>One chat seen in the message log.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.ChatSummary")]
public sealed record ChatSummary
{
    /// <summary>Gets the chat JID.</summary>
    [Id(0)] public required string Chat { get; init; }

    /// <summary>Gets whether it is a group.</summary>
    [Id(1)] public bool IsGroup { get; init; }

    /// <summary>Gets the latest push name seen from the other side.</summary>
    [Id(2)] public string? Name { get; init; }

    /// <summary>Gets the last message.</summary>
    [Id(3)] public MessageRecord? LastMessage { get; init; }

    /// <summary>Gets how many messages the log holds for the chat.</summary>
    [Id(4)] public long MessageCount { get; init; }
}

/// <summary>Whether a number is on WhatsApp.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.NumberCheck")]
public sealed record NumberCheck
{
    /// <summary>Gets the number as asked (normalized to digits).</summary>
    [Id(0)] public required string Phone { get; init; }

    /// <summary>Gets whether it is on WhatsApp.</summary>
    [Id(1)] public bool Exists { get; init; }

    /// <summary>Gets its JID when it exists.</summary>
    [Id(2)] public string? Jid { get; init; }

    /// <summary>Gets its LID when WhatsApp told it.</summary>
    [Id(3)] public string? Lid { get; init; }
}

/// <summary>A group the linked number belongs to.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.GroupInfo")]
public sealed record GroupInfo
{
    /// <summary>Gets the group JID.</summary>
    [Id(0)] public required string Jid { get; init; }

    /// <summary>Gets the subject.</summary>
    [Id(1)] public string? Subject { get; init; }

    /// <summary>Gets the owner JID.</summary>
    [Id(2)] public string? Owner { get; init; }

    /// <summary>Gets the creation time.</summary>
    [Id(3)] public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Gets the participants.</summary>
    [Id(4)] public IReadOnlyList<GroupParticipantInfo> Participants { get; init; } = [];
}

/// <summary>A member of a group.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.GroupParticipantInfo")]
public sealed record GroupParticipantInfo
{
    /// <summary>Gets the member's JID.</summary>
    [Id(0)] public required string Jid { get; init; }

    /// <summary>Gets the member's phone number JID when the group is LID-addressed and it is known.</summary>
    [Id(1)] public string? PhoneJid { get; init; }

    /// <summary>Gets <c>admin</c>, <c>superadmin</c> or null.</summary>
    [Id(2)] public string? Role { get; init; }
}

/// <summary>Who the linked number is.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.SessionProfile")]
public sealed record SessionProfile
{
    /// <summary>Gets the device JID.</summary>
    [Id(0)] public required string Jid { get; init; }

    /// <summary>Gets the phone number (digits).</summary>
    [Id(1)] public string? Phone { get; init; }

    /// <summary>Gets the LID.</summary>
    [Id(2)] public string? Lid { get; init; }

    /// <summary>Gets the push name.</summary>
    [Id(3)] public string? PushName { get; init; }

    /// <summary>Gets the phone's platform.</summary>
    [Id(4)] public string? Platform { get; init; }
}

/// <summary>Downloaded and decrypted media of a logged message.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.MediaContent")]
public sealed record MediaContent
{
    /// <summary>Gets the bytes.</summary>
    [Id(0)] public required byte[] Data { get; init; }

    /// <summary>Gets the MIME type.</summary>
    [Id(1)] public required string MimeType { get; init; }

    /// <summary>Gets the file name when the message had one.</summary>
    [Id(2)] public string? FileName { get; init; }
}

using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using WaOrleans.Grains.Messages;

namespace WaOrleans.Grains.Events;

/// <summary>
/// Builds the <see cref="GatewayEvent"/>s the sessions and broadcasts raise, with their <c>data</c>
/// objects as camelCase JSON. Ids are derived from what the event is about, so raising the same
/// event twice (a redelivered message, a resumed broadcast) stores it once.
/// </summary>
internal static class GatewayEvents
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Derives a stable event id from the parts that identify the event.</summary>
    public static string StableId(params string?[] parts)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f', parts.Select(p => p ?? ""))));
        return "evt_" + Convert.ToHexStringLower(hash, 0, EventConstants.IdHashBytes);
    }

    /// <summary>A new random event id, for events that cannot be raised twice.</summary>
    public static string NewId() => "evt_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(EventConstants.IdHashBytes));

    /// <summary>Builds an event.</summary>
    public static GatewayEvent Create(string id, string type, string tenantId, string? sessionId, DateTimeOffset at, object data) => new()
    {
        EventId = id,
        Type = type,
        TenantId = tenantId,
        SessionId = sessionId,
        Timestamp = at,
        DataJson = JsonSerializer.Serialize(data, Json),
    };

    /// <summary>
    /// The <c>message.received</c> of an inbound row (and <c>message.reaction</c> for a reaction, with
    /// <paramref name="type"/>). A LID chat whose number is known (<paramref name="chatNumber"/>) is
    /// named by the number in <c>chatJid</c>, as the message log shows it, with the LID in <c>chatLid</c>.
    /// </summary>
    public static GatewayEvent Received(LoggedMessage message, string? chatNumber, string type, DateTimeOffset at)
    {
        var r = message.Record;
        var id = StableId(type, r.SessionId, r.Chat, r.SenderJid, r.MessageId, r.Type);
        return Create(id, type, message.TenantId, r.SessionId, at, new
        {
            id = r.MessageId,
            chatJid = chatNumber ?? r.Chat,
            chatLid = chatNumber is null ? null : r.Chat,
            senderJid = r.SenderJid,
            senderPhone = r.SenderPhone,
            senderLid = r.SenderLid,
            pushName = r.PushName,
            isGroup = r.IsGroup,
            fromMe = message.FromMe,
            type = r.Type,
            text = r.Text,
            timestamp = r.Timestamp,
            quotedId = r.QuotedId,
            mimeType = r.MimeType,
            size = r.MediaSize,
            fileName = r.FileName,
            downloadUrl = r.MimeType is null ? null : $"/api/sessions/{Uri.EscapeDataString(r.SessionId)}/messages/{Uri.EscapeDataString(r.MessageId)}/media",
        });
    }

    /// <summary>The <c>message.received</c> of a decrypted poll vote; the chat is named as by <see cref="Received"/>.</summary>
    public static GatewayEvent PollVote(LoggedMessage vote, string? chatNumber, IReadOnlyList<string> selected, DateTimeOffset at)
    {
        var r = vote.Record;
        return Create(StableId(GatewayEventTypes.MessageReceived, r.SessionId, r.MessageId), GatewayEventTypes.MessageReceived, vote.TenantId, r.SessionId, at, new
        {
            id = r.MessageId,
            chatJid = chatNumber ?? r.Chat,
            chatLid = chatNumber is null ? null : r.Chat,
            senderJid = r.SenderJid,
            isGroup = r.IsGroup,
            fromMe = vote.FromMe,
            type = r.Type,
            pollId = r.QuotedId,
            selectedOptions = selected,
            timestamp = r.Timestamp,
        });
    }

    /// <summary>An outbound message's status change: <c>message.sent</c>, <c>.delivered</c>, <c>.read</c> or <c>.failed</c>.</summary>
    public static GatewayEvent OutboundStatus(string type, string tenantId, string sessionId, string messageId, string chat, string status, string? reason, DateTimeOffset at) =>
        Create(StableId(type, sessionId, messageId), type, tenantId, sessionId, at, new { id = messageId, chatJid = chat, status, reason, timestamp = at });
}

/// <summary>The fixed values of the events, each with the reason for its value.</summary>
internal static class EventConstants
{
    /// <summary>Bytes of hash in an event id: 16 bytes (128 bits) make collisions between distinct events negligible.</summary>
    public const int IdHashBytes = 16;
}

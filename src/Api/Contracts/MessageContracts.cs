using System.Text.Json;
using WaOrleans.Grains.Webhooks;

namespace WaOrleans.Api.Contracts;

/// <summary>Media to send: a URL the gateway downloads, or the bytes in base64.</summary>
/// <param name="Url">An absolute http(s) URL.</param>
/// <param name="Base64">The bytes, base64-encoded (standard or URL alphabet).</param>
/// <param name="MimeType">The MIME type; guessed from the file name or URL when left out.</param>
/// <param name="FileName">The file name (required for documents).</param>
public sealed record MediaBody(string? Url, string? Base64, string? MimeType, string? FileName);

/// <summary>A location pin.</summary>
/// <param name="Latitude">Degrees, -90 to 90.</param>
/// <param name="Longitude">Degrees, -180 to 180.</param>
/// <param name="Name">The place name.</param>
/// <param name="Address">The address.</param>
public sealed record LocationBody(double? Latitude, double? Longitude, string? Name, string? Address);

/// <summary>A contact card: a name and number, or a whole vCard.</summary>
/// <param name="Name">The display name.</param>
/// <param name="Phone">The phone number.</param>
/// <param name="VCard">A vCard; built from name and phone when left out.</param>
public sealed record ContactBody(string? Name, string? Phone, string? VCard);

/// <summary>A poll.</summary>
/// <param name="Question">The question.</param>
/// <param name="Options">2 to 12 distinct options.</param>
/// <param name="SelectableCount">How many options a voter may pick (default 1).</param>
public sealed record PollBody(string? Question, IReadOnlyList<string>? Options, int? SelectableCount);

/// <summary>A reaction to an earlier message.</summary>
/// <param name="MessageId">The message reacted to.</param>
/// <param name="Emoji">The emoji; empty removes the reaction.</param>
public sealed record ReactionBody(string? MessageId, string? Emoji);

/// <summary>
/// What to send. <c>type</c> picks the members that apply: <c>text</c> (text, header, footer);
/// <c>image</c>, <c>video</c>, <c>audio</c>, <c>voice</c>, <c>document</c>, <c>sticker</c> (media,
/// caption); <c>location</c>; <c>contact</c>; <c>poll</c>; <c>reaction</c>.
/// </summary>
public record MessageBody
{
    /// <summary>Gets the content type (default <c>text</c>).</summary>
    public string? Type { get; init; }

    /// <summary>Gets the text of a text message.</summary>
    public string? Text { get; init; }

    /// <summary>Gets the caption of an image, video or document.</summary>
    public string? Caption { get; init; }

    /// <summary>Gets the bold header of a text message.</summary>
    public string? Header { get; init; }

    /// <summary>Gets the italic footer of a text message.</summary>
    public string? Footer { get; init; }

    /// <summary>Gets the media of a media message.</summary>
    public MediaBody? Media { get; init; }

    /// <summary>Gets the location.</summary>
    public LocationBody? Location { get; init; }

    /// <summary>Gets the contact card.</summary>
    public ContactBody? Contact { get; init; }

    /// <summary>Gets the poll.</summary>
    public PollBody? Poll { get; init; }

    /// <summary>Gets the reaction.</summary>
    public ReactionBody? Reaction { get; init; }
}

/// <summary>Body of <c>POST /api/sessions/{id}/messages</c>: a recipient and a <see cref="MessageBody"/>.</summary>
public sealed record SendMessageBody : MessageBody
{
    /// <summary>Gets the recipient: <c>+1 555 123 4567</c>, <c>15551234567</c>, or a JID (<c>…@s.whatsapp.net</c>, <c>…@g.us</c>, <c>…@lid</c>).</summary>
    public string? To { get; init; }

    /// <summary>Gets the id of a message in the same chat to reply to.</summary>
    public string? ReplyTo { get; init; }

    /// <summary>Gets the users to mention (numbers or JIDs).</summary>
    public IReadOnlyList<string>? Mentions { get; init; }

    /// <summary>Gets the idempotency key (the <c>Idempotency-Key</c> header wins when both are given).</summary>
    public string? IdempotencyKey { get; init; }
}

/// <summary>Body of <c>POST /api/send</c>: the shortcut for session keys.</summary>
/// <param name="To">The recipient.</param>
/// <param name="Message">A text, or a <see cref="MessageBody"/> object.</param>
/// <param name="SessionId">The session to send from (admin and tenant keys; a session key uses its own).</param>
/// <param name="IdempotencyKey">The idempotency key.</param>
public sealed record SendShortcutBody(string? To, JsonElement? Message, string? SessionId, string? IdempotencyKey);

/// <summary>Body of <c>POST /api/sessions/{id}/broadcasts</c>.</summary>
/// <param name="Recipients">Numbers, or <c>{"phone", "name"}</c> objects whose name fills <c>{{name}}</c>.</param>
/// <param name="Message">What to send.</param>
/// <param name="DelayMin">The least delay between two recipients, in ms (default 1000).</param>
/// <param name="DelayMax">The greatest delay between two recipients, in ms (default 3000).</param>
public sealed record BroadcastBody(IReadOnlyList<JsonElement>? Recipients, MessageBody? Message, int? DelayMin, int? DelayMax);

/// <summary>The answer of a started broadcast.</summary>
/// <param name="JobId">The job id (<c>bc_…</c>), for <c>GET /api/broadcasts/{jobId}</c>.</param>
/// <param name="Total">How many recipients it has.</param>
public sealed record BroadcastAccepted(string JobId, int Total);

/// <summary>Body of <c>POST /api/sessions/{id}/contacts/check</c>.</summary>
/// <param name="Phones">The numbers to check.</param>
public sealed record CheckNumbersBody(IReadOnlyList<string>? Phones);

/// <summary>Body of <c>POST /api/sessions/{id}/webhooks</c> and <c>POST /api/webhooks</c>.</summary>
/// <param name="Url">The target URL.</param>
/// <param name="Events">The event types to deliver (default all).</param>
/// <param name="Secret">The signing secret (<c>whsec_…</c>); generated when left out.</param>
/// <param name="Enabled">Whether deliveries are made (default true).</param>
/// <param name="TenantId">The tenant of a tenant-wide webhook (admin only).</param>
public sealed record CreateWebhookBody(string? Url, IReadOnlyList<string>? Events, string? Secret, bool? Enabled, string? TenantId)
{
    /// <summary>Describes the body without the secret.</summary>
    public override string ToString() => $"CreateWebhookBody({Url}, {Events?.Count ?? 0} events)";
}

/// <summary>Body of <c>PATCH /api/webhooks/{id}</c>; left-out members stay as they are.</summary>
/// <param name="Url">The new URL.</param>
/// <param name="Events">The new event filter.</param>
/// <param name="Enabled">Enable (clearing the failure streak) or disable.</param>
/// <param name="Secret">A new secret.</param>
public sealed record UpdateWebhookBody(string? Url, IReadOnlyList<string>? Events, bool? Enabled, string? Secret)
{
    /// <summary>Describes the body without the secret.</summary>
    public override string ToString() => $"UpdateWebhookBody({Url}, {Events?.Count ?? 0} events, {Enabled})";
}

/// <summary>A webhook delivery as the API shows it.</summary>
/// <param name="Id">The delivery id (the <c>webhook-id</c> header).</param>
/// <param name="WebhookId">The webhook.</param>
/// <param name="EventId">The event.</param>
/// <param name="EventType">The event type.</param>
/// <param name="Status"><c>pending</c>, <c>retrying</c>, <c>succeeded</c> or <c>failed</c>.</param>
/// <param name="Attempts">How many attempts were made.</param>
/// <param name="NextAttemptAt">When the next attempt is due.</param>
/// <param name="CreatedAt">When the event happened.</param>
/// <param name="AttemptLog">The attempts, oldest first.</param>
public sealed record DeliveryResponse(
    string Id,
    string WebhookId,
    string EventId,
    string EventType,
    string Status,
    int Attempts,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset CreatedAt,
    IReadOnlyList<AttemptResponse> AttemptLog)
{
    /// <summary>Creates the answer from the grain's record.</summary>
    public static DeliveryResponse From(WebhookDelivery d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new(d.Id, d.WebhookId, d.EventId, d.EventType, d.Status, d.Attempts, d.NextAttemptAt, d.CreatedAt,
            [.. d.AttemptLog.Select(a => new AttemptResponse(a.At, a.StatusCode, (long)a.Latency.TotalMilliseconds, a.ResponseExcerpt))]);
    }
}

/// <summary>One HTTP attempt of a delivery.</summary>
/// <param name="At">When it was made.</param>
/// <param name="StatusCode">The HTTP status, or null without a response.</param>
/// <param name="LatencyMs">How long it took, in ms.</param>
/// <param name="ResponseExcerpt">The start of the response body, or the error.</param>
public sealed record AttemptResponse(DateTimeOffset At, int? StatusCode, long LatencyMs, string? ResponseExcerpt);

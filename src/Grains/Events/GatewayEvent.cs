namespace WaOrleans.Grains.Events;

/// <summary>
/// Something that happened on a session, as webhooks and the event stream carry it: written to the
/// <c>events</c> table (in the same transaction as the change it reports, where there is one) and
/// fanned out from there to webhook deliveries and server-sent events.
/// </summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.GatewayEvent")]
public sealed record GatewayEvent
{
    /// <summary>
    /// Gets the stable event id. Deterministic where the event can be raised twice (an inbound
    /// message WhatsApp redelivers gets the same id), so deliveries stay once per delivery id.
    /// </summary>
    [Id(0)] public required string EventId { get; init; }

    /// <summary>Gets the event type (<see cref="GatewayEventTypes"/>).</summary>
    [Id(1)] public required string Type { get; init; }

    /// <summary>Gets the tenant owning the session.</summary>
    [Id(2)] public required string TenantId { get; init; }

    /// <summary>Gets the session id; null for tenant-wide events (<c>webhook.disabled</c>, <c>webhook.test</c> on a tenant webhook).</summary>
    [Id(3)] public string? SessionId { get; init; }

    /// <summary>Gets when it happened.</summary>
    [Id(4)] public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Gets the <c>data</c> object of the webhook body, as JSON text.</summary>
    [Id(5)] public required string DataJson { get; init; }
}

/// <summary>A <see cref="GatewayEvent"/> read back from the <c>events</c> table, with its position.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.StoredEvent")]
public sealed record StoredEvent
{
    /// <summary>Gets the position in the table (increasing); the event stream resumes after it.</summary>
    [Id(0)] public required long Sequence { get; init; }

    /// <summary>Gets the event.</summary>
    [Id(1)] public required GatewayEvent Event { get; init; }
}

/// <summary>The event type names of DESIGN.md "Webhooks".</summary>
public static class GatewayEventTypes
{
    /// <summary>A message arrived.</summary>
    public const string MessageReceived = "message.received";

    /// <summary>WhatsApp acknowledged a sent message.</summary>
    public const string MessageSent = "message.sent";

    /// <summary>A sent message reached the recipient's device.</summary>
    public const string MessageDelivered = "message.delivered";

    /// <summary>A sent message was read.</summary>
    public const string MessageRead = "message.read";

    /// <summary>A send failed for good.</summary>
    public const string MessageFailed = "message.failed";

    /// <summary>Someone reacted to a message.</summary>
    public const string MessageReaction = "message.reaction";

    /// <summary>The session's status changed.</summary>
    public const string SessionStatus = "session.status";

    /// <summary>A new QR code is showing.</summary>
    public const string SessionQr = "session.qr";

    /// <summary>The session connected.</summary>
    public const string SessionConnected = "session.connected";

    /// <summary>The session disconnected.</summary>
    public const string SessionDisconnected = "session.disconnected";

    /// <summary>The session was unlinked.</summary>
    public const string SessionLoggedOut = "session.logged_out";

    /// <summary>A broadcast made progress.</summary>
    public const string BroadcastProgress = "broadcast.progress";

    /// <summary>A broadcast finished.</summary>
    public const string BroadcastCompleted = "broadcast.completed";

    /// <summary>A test delivery asked for through the API.</summary>
    public const string WebhookTest = "webhook.test";

    /// <summary>A webhook was disabled after failing for 24 h.</summary>
    public const string WebhookDisabled = "webhook.disabled";

    /// <summary>Gets every type a webhook filter may name.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        MessageReceived, MessageSent, MessageDelivered, MessageRead, MessageFailed, MessageReaction,
        SessionStatus, SessionQr, SessionConnected, SessionDisconnected, SessionLoggedOut,
        BroadcastProgress, BroadcastCompleted, WebhookTest, WebhookDisabled,
    ];
}

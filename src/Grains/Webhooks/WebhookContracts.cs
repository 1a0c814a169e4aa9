namespace WaOrleans.Grains.Webhooks;

/// <summary>A webhook to create: on one session, or tenant-wide when <see cref="SessionId"/> is null.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.WebhookSpec")]
public sealed record WebhookSpec
{
    /// <summary>Gets the owning tenant.</summary>
    [Id(0)] public required string TenantId { get; init; }

    /// <summary>Gets the session, or null for every session of the tenant.</summary>
    [Id(1)] public string? SessionId { get; init; }

    /// <summary>Gets the target: absolute http(s), no fragment, at most 2048 characters.</summary>
    [Id(2)] public required string Url { get; init; }

    /// <summary>Gets the event types delivered; null or <c>["*"]</c> for all.</summary>
    [Id(3)] public IReadOnlyList<string>? Events { get; init; }

    /// <summary>Gets the signing secret (<c>whsec_…</c>); generated when null.</summary>
    [Id(4)] public string? Secret { get; init; }

    /// <summary>Gets whether deliveries are made (default true).</summary>
    [Id(5)] public bool Enabled { get; init; } = true;

    /// <summary>Describes the webhook without its secret, so it can be logged.</summary>
    public override string ToString() => $"WebhookSpec({TenantId}, {SessionId}, {Url})";
}

/// <summary>Changes to a webhook; null members stay as they are.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.WebhookPatch")]
public sealed record WebhookPatch
{
    /// <summary>Gets the new URL.</summary>
    [Id(0)] public string? Url { get; init; }

    /// <summary>Gets the new event filter.</summary>
    [Id(1)] public IReadOnlyList<string>? Events { get; init; }

    /// <summary>Gets whether to enable or disable it (enabling clears the failure streak).</summary>
    [Id(2)] public bool? Enabled { get; init; }

    /// <summary>Gets a new secret.</summary>
    [Id(3)] public string? Secret { get; init; }

    /// <summary>Describes the change without the secret, so it can be logged.</summary>
    public override string ToString() => $"WebhookPatch(url: {Url}, enabled: {Enabled}, secret changed: {Secret is not null})";
}

/// <summary>A webhook as the API shows it. The secret appears only in the answer to its creation.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.WebhookInfo")]
public sealed record WebhookInfo
{
    /// <summary>Gets the webhook id.</summary>
    [Id(0)] public required string Id { get; init; }

    /// <summary>Gets the owning tenant.</summary>
    [Id(1)] public required string TenantId { get; init; }

    /// <summary>Gets the session, or null when tenant-wide.</summary>
    [Id(2)] public string? SessionId { get; init; }

    /// <summary>Gets the URL.</summary>
    [Id(3)] public required string Url { get; init; }

    /// <summary>Gets the event filter.</summary>
    [Id(4)] public required IReadOnlyList<string> Events { get; init; }

    /// <summary>Gets whether it is enabled.</summary>
    [Id(5)] public bool Enabled { get; init; }

    /// <summary>Gets the secret, only in the answer to a creation (or a secret change); null otherwise.</summary>
    [Id(6)] public string? Secret { get; init; }

    /// <summary>Gets why it was disabled automatically, when it was.</summary>
    [Id(7)] public string? DisabledReason { get; init; }

    /// <summary>Gets when it was created.</summary>
    [Id(8)] public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets since when every delivery failed, while failing.</summary>
    [Id(9)] public DateTimeOffset? FailingSince { get; init; }

    /// <summary>Describes the webhook without its secret, so it can be logged.</summary>
    public override string ToString() => $"WebhookInfo({Id}, {TenantId}, {SessionId}, {Url}, enabled: {Enabled})";
}

/// <summary>One delivery of one event to one webhook, with its attempts.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.WebhookDelivery")]
public sealed record WebhookDelivery
{
    /// <summary>Gets the delivery id (the <c>webhook-id</c> header), stable across retries.</summary>
    [Id(0)] public required string Id { get; init; }

    /// <summary>Gets the webhook id.</summary>
    [Id(1)] public required string WebhookId { get; init; }

    /// <summary>Gets the event id.</summary>
    [Id(2)] public required string EventId { get; init; }

    /// <summary>Gets the event type.</summary>
    [Id(3)] public required string EventType { get; init; }

    /// <summary>Gets <c>pending</c>, <c>succeeded</c>, <c>failed</c> (gave up) or <c>retrying</c>.</summary>
    [Id(4)] public required string Status { get; init; }

    /// <summary>Gets how many attempts were made.</summary>
    [Id(5)] public int Attempts { get; init; }

    /// <summary>Gets when the next attempt is due, while pending.</summary>
    [Id(6)] public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>Gets when the event happened.</summary>
    [Id(7)] public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets the attempts, oldest first.</summary>
    [Id(8)] public IReadOnlyList<WebhookAttempt> AttemptLog { get; init; } = [];
}

/// <summary>One HTTP attempt of a delivery.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.WebhookAttempt")]
public sealed record WebhookAttempt
{
    /// <summary>Gets when it was made.</summary>
    [Id(0)] public required DateTimeOffset At { get; init; }

    /// <summary>Gets the HTTP status, or null when no response came (timeout, refused).</summary>
    [Id(1)] public int? StatusCode { get; init; }

    /// <summary>Gets how long it took.</summary>
    [Id(2)] public TimeSpan Latency { get; init; }

    /// <summary>Gets the start of the response body, or the error.</summary>
    [Id(3)] public string? ResponseExcerpt { get; init; }
}

namespace WaOrleans.Grains.Broadcasts;

/// <summary>A recipient of a broadcast.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.BroadcastRecipient")]
public sealed record BroadcastRecipient
{
    /// <summary>Gets the number or JID.</summary>
    [Id(0)] public required string Phone { get; init; }

    /// <summary>Gets the name substituted for <c>{{name}}</c>.</summary>
    [Id(1)] public string? Name { get; init; }
}

/// <summary>A broadcast to start.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.BroadcastSpec")]
public sealed record BroadcastSpec
{
    /// <summary>Gets the owning tenant.</summary>
    [Id(0)] public required string TenantId { get; init; }

    /// <summary>Gets the sending session.</summary>
    [Id(1)] public required string SessionId { get; init; }

    /// <summary>Gets the recipients, processed in this order.</summary>
    [Id(2)] public required IReadOnlyList<BroadcastRecipient> Recipients { get; init; }

    /// <summary>Gets the content; <c>{{name}}</c> in its text is replaced per recipient.</summary>
    [Id(3)] public required Messages.MessageContent Content { get; init; }

    /// <summary>Gets the least delay between two recipients, in milliseconds.</summary>
    [Id(4)] public int DelayMinMs { get; init; } = 1000;

    /// <summary>Gets the greatest delay between two recipients, in milliseconds.</summary>
    [Id(5)] public int DelayMaxMs { get; init; } = 3000;
}

/// <summary>What happened to one recipient.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.BroadcastRecipientResult")]
public sealed record BroadcastRecipientResult
{
    /// <summary>Gets the position in the recipient list.</summary>
    [Id(0)] public int Index { get; init; }

    /// <summary>Gets the number or JID.</summary>
    [Id(1)] public required string Phone { get; init; }

    /// <summary>Gets <c>pending</c>, <c>sent</c> or <c>failed</c>.</summary>
    [Id(2)] public required string Status { get; init; }

    /// <summary>Gets the message id once sent.</summary>
    [Id(3)] public string? MessageId { get; init; }

    /// <summary>Gets why it failed.</summary>
    [Id(4)] public string? Reason { get; init; }
}

/// <summary>A broadcast's progress.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.BroadcastStatus")]
public sealed record BroadcastStatus
{
    /// <summary>Gets the job id.</summary>
    [Id(0)] public required string JobId { get; init; }

    /// <summary>Gets the owning tenant.</summary>
    [Id(1)] public required string TenantId { get; init; }

    /// <summary>Gets the sending session.</summary>
    [Id(2)] public required string SessionId { get; init; }

    /// <summary>Gets <c>pending</c>, <c>running</c>, <c>completed</c>, <c>failed</c> or <c>cancelled</c>.</summary>
    [Id(3)] public required string Status { get; init; }

    /// <summary>Gets how many recipients there are.</summary>
    [Id(4)] public int Total { get; init; }

    /// <summary>Gets how many were processed.</summary>
    [Id(5)] public int Processed { get; init; }

    /// <summary>Gets how many were sent.</summary>
    [Id(6)] public int Succeeded { get; init; }

    /// <summary>Gets how many failed.</summary>
    [Id(7)] public int Failed { get; init; }

    /// <summary>Gets the per-recipient results.</summary>
    [Id(8)] public IReadOnlyList<BroadcastRecipientResult> Results { get; init; } = [];

    /// <summary>Gets when it was created.</summary>
    [Id(9)] public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when it finished.</summary>
    [Id(10)] public DateTimeOffset? CompletedAt { get; init; }
}

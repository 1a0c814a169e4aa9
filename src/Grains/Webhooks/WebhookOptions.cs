namespace WaOrleans.Grains.Webhooks;

/// <summary>
/// The operator's webhook policy and delivery timings, bound from <c>WaOrleans:Webhooks</c>
/// (environment: <c>WAORLEANS__WEBHOOKS__…</c>). The defaults are DESIGN.md's; tests compress the
/// timings to seconds.
/// </summary>
public sealed class WebhookOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string Section = "WaOrleans:Webhooks";

    /// <summary>
    /// Gets or sets whether webhooks may target private, loopback and link-local addresses
    /// (localhost, 10/8, 192.168/16…). Off by default, so an API user cannot make the gateway
    /// probe the operator's network; tests and the demo mode turn it on.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>Gets or sets how long one delivery attempt may take, response included (default 10 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets the first retry delay; later ones are multiples of it
    /// (<see cref="WebhookConstants.BackoffMultipliers"/>: 5 s, 30 s, 2 min … 8 h with the default 5 s), each jittered.
    /// </summary>
    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how long a delivery is retried before it is marked failed (default 24 h).</summary>
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Gets or sets how long every delivery of a webhook must have failed before it is disabled (default 24 h).</summary>
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Gets or sets how often a worker looks for due deliveries without being woken. A publish on
    /// the same silo wakes its worker at once; this is the fallback for retries and for events
    /// published on other silos (default 1 s).
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how many deliveries one silo sends to one webhook at the same time (default 4).</summary>
    public int MaxConcurrencyPerWebhook { get; set; } = 4;

    /// <summary>
    /// Gets or sets how many deliveries one silo holds at the same time, sending or queued behind a
    /// webhook's send slots (default 256): this bounds the memory and the open requests of a silo.
    /// </summary>
    public int MaxConcurrency { get; set; } = 256;

    /// <summary>
    /// Gets or sets how long a claimed delivery stays locked to its worker. By default two attempt
    /// timeouts (one waiting for a per-webhook slot, one sending) plus a margin for the database.
    /// A worker that dies leaves its rows to the others after this, so it bounds the delay a node
    /// loss adds to deliveries that were in flight there.
    /// </summary>
    public TimeSpan Lease
    {
        get => _lease ?? ((Timeout * 2) + WebhookConstants.LeaseMargin);
        set => _lease = value;
    }

    private TimeSpan? _lease;
}

namespace WaOrleans.Grains.Hosting;

/// <summary>
/// How long the gateway keeps events and webhook delivery history, bound from
/// <c>WaOrleans:Retention</c>. Without a limit both tables grow with every message forever.
/// </summary>
public sealed class RetentionOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string Section = "WaOrleans:Retention";

    /// <summary>
    /// Gets or sets how long an event is kept (default 7 days: long enough for a consumer of the
    /// event stream to catch up after a week-long outage). An event a delivery still waits on is kept.
    /// </summary>
    public TimeSpan EventAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Gets or sets how long a finished (succeeded or failed) webhook delivery and its attempts are
    /// kept (default 30 days: the history an operator looks at when a receiver complains).
    /// </summary>
    public TimeSpan DeliveryAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Gets or sets how often each silo sweeps (default 1 hour: the deletes are idempotent, so
    /// silos sweeping at the same time only repeat work, and an hour keeps each sweep small).
    /// </summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);
}

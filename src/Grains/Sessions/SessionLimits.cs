namespace WaOrleans.Grains.Sessions;

/// <summary>
/// The limits the session grains enforce where neither the session nor its tenant sets one
/// (DESIGN.md "Rate limits"). Register one with <c>AddWaSessions</c>; the silo binds
/// <see cref="Section"/>. The default has no daily limit and paces each session's sends by
/// <see cref="DefaultMinSendInterval"/>.
/// </summary>
public sealed record SessionLimits
{
    /// <summary>The configuration section the silo binds (<c>WaOrleans:Limits</c>).</summary>
    public const string Section = "WaOrleans:Limits";

    /// <summary>
    /// The default <see cref="MinSendInterval"/>: 20 ms caps one session at 50 sends a second, so
    /// a burst from a program is spread out rather than arriving at WhatsApp in one instant, and
    /// still leaves a quarter of headroom over the benchmark target (2,000 sends/s per node over
    /// 50 sessions is 40 a second, one per 25 ms, per session).
    /// </summary>
    public static readonly TimeSpan DefaultMinSendInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Gets how many messages a session may send per UTC day unless its own <c>daily_limit</c> says
    /// otherwise; null means unlimited. The tenant's <c>daily_message_limit</c> applies on top.
    /// </summary>
    public long? DefaultSessionDailyLimit { get; init; }

    /// <summary>
    /// Gets the shortest time between two messages leaving one session (DESIGN.md: per-session
    /// pacing so bursts do not look like spam); sends that come faster wait their turn. Zero turns
    /// pacing off.
    /// </summary>
    public TimeSpan MinSendInterval { get; init; } = DefaultMinSendInterval;
}

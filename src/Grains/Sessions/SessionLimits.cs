namespace WaOrleans.Grains.Sessions;

/// <summary>
/// The limits the session grains enforce where neither the session nor its tenant sets one
/// (DESIGN.md "Rate limits"). Register one with <c>AddWaSessions</c>; the default is unlimited.
/// </summary>
public sealed record SessionLimits
{
    /// <summary>
    /// Gets how many messages a session may send per UTC day unless its own <c>daily_limit</c> says
    /// otherwise; null means unlimited. The tenant's <c>daily_message_limit</c> applies on top.
    /// </summary>
    public long? DefaultSessionDailyLimit { get; init; }
}

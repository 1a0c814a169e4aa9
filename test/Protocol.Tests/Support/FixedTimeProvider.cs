namespace WaOrleans.Protocol.Tests.Support;

/// <summary>A clock stuck at one instant, for certificate validity checks; timers still run in real time.</summary>
public sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    /// <summary>Returns the fixed instant.</summary>
    public override DateTimeOffset GetUtcNow() => now;
}

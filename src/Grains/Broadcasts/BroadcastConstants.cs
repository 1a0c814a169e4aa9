namespace WaOrleans.Grains.Broadcasts;

/// <summary>The fixed values of broadcasts, each with the reason for its value.</summary>
internal static class BroadcastConstants
{
    /// <summary>The most recipients of one job: 10,000 keeps a job's rows and its status answer manageable; bigger campaigns are several jobs.</summary>
    public const int MaxRecipients = 10_000;

    /// <summary>The longest delay between two recipients: one hour.</summary>
    public const int MaxDelayMs = 3_600_000;

    /// <summary>A <c>broadcast.progress</c> event every this many recipients, so a large job does not raise one per message.</summary>
    public const int ProgressEvery = 10;

    /// <summary>A <c>broadcast.progress</c> event at least this often while recipients are processed, for slow jobs.</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    /// <summary>How long to wait before trying a recipient again when the session could not take it (not connected, failing over).</summary>
    public static readonly TimeSpan SessionRetryDelay = TimeSpan.FromSeconds(2);

    /// <summary>How long a job waits for its session before it fails: a failover takes seconds, a re-pairing needs a human.</summary>
    public static readonly TimeSpan SessionWaitLimit = TimeSpan.FromMinutes(10);

    /// <summary>The name of the reminder that brings a job back after its silo died.</summary>
    public const string WatchdogReminder = "broadcast-watchdog";

    /// <summary>How often that reminder ticks: Orleans' minimum reminder period (ORLEANS.md §2.3).</summary>
    public static readonly TimeSpan WatchdogPeriod = TimeSpan.FromMinutes(1);
}

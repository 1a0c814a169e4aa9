namespace WaOrleans.Grains.Broadcasts;

/// <summary>
/// One broadcast job, keyed by job id: sends to each recipient in order with a random delay,
/// survives node loss (resumes where it stopped: nobody messaged twice, nobody skipped).
/// </summary>
[Alias("WaOrleans.IBroadcastGrain")]
public interface IBroadcastGrain : IGrainWithStringKey
{
    /// <summary>Stores the job and starts it; calling it again with the job started returns the status.</summary>
    /// <exception cref="GatewayException">No recipients, bad delays or content (<c>Invalid</c>).</exception>
    [Alias("StartAsync")]
    Task<BroadcastStatus> StartAsync(BroadcastSpec spec);

    /// <summary>Gets the status, or null when the job does not exist.</summary>
    [Alias("GetAsync"), Orleans.Concurrency.AlwaysInterleave]
    Task<BroadcastStatus?> GetAsync();

    /// <summary>Stops the job before the next recipient; a finished job is returned as it is.</summary>
    [Alias("CancelAsync"), Orleans.Concurrency.AlwaysInterleave]
    Task<BroadcastStatus?> CancelAsync();
}

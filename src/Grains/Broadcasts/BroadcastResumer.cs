using Microsoft.Extensions.Logging;
using WaOrleans.Grains.Hosting;
using WaOrleans.Grains.Storage;

namespace WaOrleans.Grains.Broadcasts;

/// <summary>
/// Wakes every broadcast job still active in the database when the silo starts and whenever the
/// cluster declares another silo dead: activating its grain resumes it at the first recipient not
/// recorded. Without this a job whose silo died would wait for its reminder (a minute, or forever
/// with in-memory reminders after a restart). Every silo may do it: a job has one activation
/// wherever it lives, and waking a running one only reads its row.
/// </summary>
internal sealed class BroadcastResumer(IClusterMembershipService membership, ILocalSiloDetails localSilo, DeviceStorage storage, IGrainFactory grains,
    ILogger<BroadcastResumer> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _scan = Task.CompletedTask;
    private Task _watch = Task.CompletedTask;

    /// <inheritdoc/>
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(BroadcastResumer), ServiceLifecycleStage.Active, OnStartAsync, OnStopAsync);

    /// <inheritdoc/>
    public void Dispose() => _stopping.Dispose();

    private Task OnStartAsync(CancellationToken cancellationToken)
    {
        _scan = Task.Run(() => ResumeAllAsync(_stopping.Token), CancellationToken.None);
        _watch = Task.Run(() => WatchAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task OnStopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_scan, _watch).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        var previous = membership.CurrentSnapshot;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var someoneDied = snapshot.CreateUpdate(previous).Changes
                    .Any(c => c.Status == SiloStatus.Dead && !c.SiloAddress.Equals(localSilo.SiloAddress));
                previous = snapshot;
                if (someoneDied)
                {
                    await ResumeAllAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ResumeAllAsync(CancellationToken cancellationToken)
    {
        var table = new BroadcastTable(storage);
        if (await BackgroundScan.ListAsync(table.ListActiveAsync, e => logger.ScanFailed(e, BackgroundScan.RetryDelay), cancellationToken).ConfigureAwait(false) is not { } ids)
        {
            return;
        }

        foreach (var id in ids)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await grains.GetGrain<IBroadcastGrain>(id).GetAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // The job's reminder tries again. A call Orleans cancelled while the cluster settles
                // is not this silo stopping, and must not end the scan or the watch.
                logger.ResumeFailed(e, id);
            }
        }

        logger.Resumed(ids.Count);
    }
}

using Microsoft.Extensions.Logging;
using WaOrleans.Grains.Hosting;
using WaOrleans.Grains.Storage;

namespace WaOrleans.Grains.Sessions;

/// <summary>
/// The membership fast path of failover (ORLEANS.md §2.2, mitigation C): when the cluster declares
/// another silo dead, the sessions that lived there have no activation and nothing calls them, so
/// without this they would wait for their watchdog reminder (a minute). On every death this silo
/// calls <see cref="ISessionGrain.EnsureOnlineAsync"/> on its share of the sessions that should be
/// online; the call is idempotent, so sessions already running elsewhere only answer.
/// </summary>
/// <remarks>
/// The share is a stable hash of the session id modulo the active silos in address order, so the
/// survivors split the work instead of each calling every session. A share missed because two
/// silos saw different snapshots is still covered by the reminder.
/// </remarks>
internal sealed class SessionFailoverSupervisor(
    IClusterMembershipService membership,
    ILocalSiloDetails localSilo,
    DeviceStorage storage,
    IGrainFactory grains,
    ILogger<SessionFailoverSupervisor> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _watch = Task.CompletedTask;

    /// <inheritdoc/>
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SessionFailoverSupervisor), ServiceLifecycleStage.Active, OnStartAsync, OnStopAsync);

    /// <inheritdoc/>
    public void Dispose() => _stopping.Dispose();

    /// <summary>Gets the index of the silo that resumes <paramref name="sessionId"/> among <paramref name="silos"/> active silos.</summary>
    internal static int ShareOf(string sessionId, int silos)
    {
        // FNV-1a: string.GetHashCode is randomized per process, and every silo must agree.
        var hash = SessionConstants.FnvOffsetBasis;
        foreach (var c in sessionId)
        {
            hash = (hash ^ c) * SessionConstants.FnvPrime;
        }

        return (int)(hash % (uint)silos);
    }

    private Task OnStartAsync(CancellationToken cancellationToken)
    {
        _watch = Task.Run(() => WatchAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task OnStopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _watch.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        var previous = membership.CurrentSnapshot;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var dead = snapshot.CreateUpdate(previous).Changes
                    .Where(c => c.Status == SiloStatus.Dead && !c.SiloAddress.Equals(localSilo.SiloAddress))
                    .Select(c => c.SiloAddress)
                    .ToList();
                previous = snapshot;
                foreach (var silo in dead)
                {
                    await ResumeShareAsync(silo, snapshot, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ResumeShareAsync(SiloAddress deadSilo, ClusterMembershipSnapshot snapshot, CancellationToken cancellationToken)
    {
        var active = snapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => m.SiloAddress)
            .OrderBy(a => a.ToParsableString(), StringComparer.Ordinal)
            .ToList();
        var index = active.IndexOf(localSilo.SiloAddress);
        if (index < 0)
        {
            return;
        }

        var table = new SessionTable(storage, TimeProvider.System);
        if (await BackgroundScan.ListAsync(table.ListShouldBeOnlineAsync, e => logger.ScanFailed(e, BackgroundScan.RetryDelay), cancellationToken).ConfigureAwait(false) is not { } ids)
        {
            return;
        }

        try
        {
            var mine = ids.Where(id => ShareOf(id, active.Count) == index).ToList();
            logger.FailoverResuming(deadSilo.ToString(), mine.Count, ids.Count);
            await Parallel.ForEachAsync(
                mine,
                new ParallelOptions { MaxDegreeOfParallelism = SessionConstants.FailoverParallelism, CancellationToken = cancellationToken },
                async (id, _) => await SessionResumer.BringBackAsync(grains, id, logger, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace WaOrleans.Grains.Sessions;

/// <summary>
/// Graceful hand-over: when this silo shuts down, the sessions it hosted that should stay online
/// note themselves here as they deactivate, and once every grain is deactivated this silo calls
/// each one; the call activates it on another silo (a shutting-down silo is no placement target),
/// so the session is back in about a second instead of waiting for the survivors to see this silo
/// dead and run the failover supervisor.
/// </summary>
internal sealed class SessionHandover(
    IGrainFactory grains,
    IClusterMembershipService membership,
    ILocalSiloDetails localSilo,
    ILogger<SessionHandover> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly ConcurrentDictionary<string, byte> _leaving = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public void Participate(ISiloLifecycle lifecycle) =>
        // Stops run from the last stage down: this one runs right after GrainDeactivation has
        // deactivated every activation, while messaging still works.
        lifecycle.Subscribe(nameof(SessionHandover), ServiceLifecycleStage.GrainDeactivation - 1, _ => Task.CompletedTask, HandOverAsync);

    /// <summary>Notes a session that deactivated because this silo is shutting down and should stay online.</summary>
    public void Leaving(string sessionId) => _leaving[sessionId] = 0;

    private async Task HandOverAsync(CancellationToken cancellationToken)
    {
        var ids = _leaving.Keys.ToList();
        var others = membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active && !m.SiloAddress.Equals(localSilo.SiloAddress));
        if (ids.Count == 0 || others == 0)
        {
            // A single node has nowhere to hand over to: its startup resume brings the sessions back.
            return;
        }

        logger.HandingOver(ids.Count, others);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(SessionConstants.HandoverTimeout);
        try
        {
            await Parallel.ForEachAsync(
                ids,
                new ParallelOptions { MaxDegreeOfParallelism = SessionConstants.FailoverParallelism, CancellationToken = timeout.Token },
                async (id, token) =>
                {
                    try
                    {
                        await grains.GetGrain<ISessionGrain>(id).EnsureOnlineAsync().WaitAsync(token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (!token.IsCancellationRequested)
                    {
                        // The survivors' supervisor (when this silo is Dead) and the reminder are the fallback.
                        logger.ResumeFailed(e, id);
                    }
                }).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Shutdown must finish; whatever was not handed over comes back through the supervisor.
        }
    }
}

using Microsoft.Extensions.Logging;
using WaOrleans.Grains.Storage;

namespace WaOrleans.Grains.Broadcasts;

/// <summary>
/// Wakes, when the silo starts, every broadcast job still active in the database: activating its
/// grain resumes it at the first recipient not recorded. With in-memory reminders nothing else
/// would after a restart; every silo may run it, as a job has one activation wherever it lives.
/// </summary>
internal sealed class BroadcastResumer(DeviceStorage storage, IGrainFactory grains, ILogger<BroadcastResumer> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _scan = Task.CompletedTask;

    /// <inheritdoc/>
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(BroadcastResumer), ServiceLifecycleStage.Active, OnStartAsync, OnStopAsync);

    /// <inheritdoc/>
    public void Dispose() => _stopping.Dispose();

    private Task OnStartAsync(CancellationToken cancellationToken)
    {
        _scan = Task.Run(() => ResumeAllAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task OnStopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _scan.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ResumeAllAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<string> ids;
        try
        {
            ids = await new BroadcastTable(storage).ListActiveAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
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
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The job's reminder tries again.
                logger.ResumeFailed(e, id);
            }
        }

        logger.Resumed(ids.Count);
    }
}

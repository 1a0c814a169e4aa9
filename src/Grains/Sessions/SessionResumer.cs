using Microsoft.Extensions.Logging;
using WaOrleans.Grains.Storage;

namespace WaOrleans.Grains.Sessions;

/// <summary>
/// Brings back, when the silo starts, every session marked as one that should be online: with
/// in-memory reminders nothing else would re-activate them after a restart. It runs in the
/// background so the silo does not wait for WhatsApp; every silo may run it, because a call for a
/// session reaches its single activation wherever it lives.
/// </summary>
internal sealed class SessionResumer(DeviceStorage storage, IGrainFactory grains, ILogger<SessionResumer> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _scan = Task.CompletedTask;

    /// <inheritdoc/>
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SessionResumer), ServiceLifecycleStage.Active, OnStartAsync, OnStopAsync);

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
            ids = await new SessionTable(storage, TimeProvider.System).ListShouldBeOnlineAsync(cancellationToken).ConfigureAwait(false);
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
                await grains.GetGrain<ISessionGrain>(id).EnsureOnlineAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One broken session must not keep the others offline; its watchdog reminder retries.
                logger.ResumeFailed(e, id);
            }
        }

        logger.Resumed(ids.Count);
    }
}

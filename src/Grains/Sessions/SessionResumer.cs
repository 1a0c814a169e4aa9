using Microsoft.Extensions.Logging;
using WaOrleans.Grains.Hosting;
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
        var table = new SessionTable(storage, TimeProvider.System);
        if (await BackgroundScan.ListAsync(table.ListShouldBeOnlineAsync, e => logger.ScanFailed(e, BackgroundScan.RetryDelay), cancellationToken).ConfigureAwait(false) is not { } ids)
        {
            return;
        }

        foreach (var id in ids)
        {
            if (!await BringBackAsync(grains, id, logger, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }

        logger.Resumed(ids.Count);
    }

    /// <summary>
    /// Calls <see cref="ISessionGrain.EnsureOnlineAsync"/> on one session, trying again shortly
    /// when it fails: an activation can fail while the cluster still settles (a call from
    /// OnActivateAsync reaching a dead silo, or a call Orleans cancels because the directory
    /// partition it needs is changing hands). After <see cref="SessionConstants.FailoverAttempts"/>
    /// tries the session is left to its watchdog reminder: one broken session must not keep the
    /// others offline. Returns false only when <paramref name="cancellationToken"/> stopped it.
    /// </summary>
    internal static async Task<bool> BringBackAsync(IGrainFactory grains, string id, ILogger logger, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            try
            {
                await grains.GetGrain<ISessionGrain>(id).EnsureOnlineAsync().ConfigureAwait(false);
                return true;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // An OperationCanceledException too: it is not this silo stopping.
                logger.ResumeFailed(e, id);
                if (attempt >= SessionConstants.FailoverAttempts)
                {
                    return true;
                }
            }

            try
            {
                await Task.Delay(SessionConstants.FailoverRetryDelay, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }
}

namespace WaOrleans.Grains.Webhooks;

/// <summary>
/// Wakes the silo's delivery worker when a delivery was queued on this silo, so a webhook goes out
/// within milliseconds of its event instead of at the next poll. Any number of wake-ups before the
/// worker looks collapse into one.
/// </summary>
public sealed class WebhookDispatchSignal
{
    private readonly SemaphoreSlim _pending = new(0, 1);

    /// <summary>Tells the worker that deliveries may be due.</summary>
    public void Wake()
    {
        // A wake-up already pending is enough. The count check keeps the common case free of the
        // exception; two racing callers can still meet a full semaphore, which is harmless.
        if (_pending.CurrentCount > 0)
        {
            return;
        }

        try
        {
            _pending.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    /// <summary>Gets or sets the running worker of this silo, which takes deliveries straight from the outbox.</summary>
    internal WebhookDeliveryWorker? Worker { get; set; }

    /// <summary>Waits for a wake-up or the timeout; true when woken.</summary>
    internal Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _pending.WaitAsync(timeout, cancellationToken);
}

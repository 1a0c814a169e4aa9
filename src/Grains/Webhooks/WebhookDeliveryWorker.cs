using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WaOrleans.Grains.Events;
using WaOrleans.Grains.Storage;

namespace WaOrleans.Grains.Webhooks;

/// <summary>
/// Sends the webhook deliveries of the shared database, on every silo: it claims due rows under a
/// lease (so no two silos send one delivery at the same time), POSTs them with bounded
/// concurrency per webhook and overall, and writes each outcome and the next retry back in
/// batches. The schedule lives in the database, so deliveries survive restarts and node loss: a
/// dead silo's leases run out and another worker takes the rows.
/// </summary>
/// <remarks>
/// Deliveries of events published on this silo are handed to it by the outbox already leased to
/// it (<see cref="OfferLease"/>, <see cref="HandOff"/>), so the first attempt needs no claim; it is
/// woken by <see cref="WebhookDispatchSignal"/> for the rest, and polls every
/// <see cref="WebhookOptions.PollInterval"/> for retries and for events queued on other silos. It runs as a silo lifecycle participant rather than a grain timer: a grain timer's
/// activation could be collected or placed twice on one silo, while this is one loop per process.
/// </remarks>
internal sealed class WebhookDeliveryWorker : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    private readonly WebhookDeliveryStore _store;
    private readonly WebhookSender _sender;
    private readonly WebhookDispatchSignal _signal;
    private readonly WebhookOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<(ClaimedDelivery Delivery, AttemptOutcome Outcome)> _results =
        Channel.CreateUnbounded<(ClaimedDelivery, AttemptOutcome)>(new UnboundedChannelOptions { SingleReader = true });

    private readonly Lock _gate = new();
    private readonly Dictionary<string, WebhookSlots> _perWebhook = new(StringComparer.Ordinal);
    private readonly HashSet<Task> _sends = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abort = new();
    private int _inFlight;
    private int _unwritten;

    // What the claim loop is waiting for (under the gate): room (a claim or an offered lease found
    // none), or a webhook it skipped as saturated. Only these wake it when a send ends; a wake that
    // changes nothing would cost a database read per delivery.
    private bool _wakeOnRoom;
    private readonly HashSet<string> _wakeOnWebhooks = new(StringComparer.Ordinal);
    private long _attemptsMade;
    private long _claims;
    private Task _claimLoop = Task.CompletedTask;
    private Task _writeLoop = Task.CompletedTask;
    private bool _started;

    /// <summary>Creates the silo's worker from its services.</summary>
    public WebhookDeliveryWorker(DeviceStorage storage, EventOutbox outbox, WebhookDispatchSignal signal, IOptions<WebhookOptions> options, ILogger<WebhookDeliveryWorker> logger)
        : this(storage, outbox, signal, options.Value, TimeProvider.System, logger)
    {
    }

    /// <summary>Creates a worker (tests run several on one database).</summary>
    public WebhookDeliveryWorker(DeviceStorage storage, EventOutbox outbox, WebhookDispatchSignal signal, WebhookOptions options, TimeProvider time, ILogger logger)
    {
        if (options.Lease <= options.Timeout)
        {
            // A delivery is sent only while its lease outlasts the attempt; this would send none.
            throw new ArgumentException($"WaOrleans:Webhooks:Lease ({options.Lease}) must be longer than Timeout ({options.Timeout})", nameof(options));
        }

        _options = options;
        _store = new WebhookDeliveryStore(storage, outbox, options);
        _sender = new WebhookSender(options, time);
        _signal = signal;
        _time = time;
        _logger = logger;
        WorkerId = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..12]}";
    }

    /// <summary>Gets the id written into the rows this worker claims.</summary>
    public string WorkerId { get; }

    /// <summary>Gets how many HTTP attempts this worker made.</summary>
    public long AttemptsMade => Interlocked.Read(ref _attemptsMade);

    /// <summary>Gets how many times this worker looked for due deliveries in the database (each a read, or a write when it found some).</summary>
    public long Claims => Interlocked.Read(ref _claims);

    /// <inheritdoc/>
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(WebhookDeliveryWorker), ServiceLifecycleStage.Active, _ => { Start(); return Task.CompletedTask; }, StopAsync);

    /// <summary>Starts claiming and sending.</summary>
    public void Start()
    {
        if (_started)
        {
            return;
        }

        _started = true;
        _signal.Worker = this;
        _writeLoop = Task.Run(WriteLoopAsync, CancellationToken.None);
        _claimLoop = Task.Run(ClaimLoopAsync, CancellationToken.None);
        _logger.WorkerStarted(WorkerId);
    }

    /// <summary>
    /// Stops claiming, lets deliveries in flight finish for a few seconds, then abandons the rest
    /// to their leases (another worker sends them again, with the same delivery id).
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_started || _stopping.IsCancellationRequested)
        {
            return;
        }

        if (_signal.Worker == this)
        {
            _signal.Worker = null;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _claimLoop.ConfigureAwait(false);
        // A hand-off finishing may start sends of its own: wait until none are left.
        var deadline = Task.Delay(WebhookConstants.StopGrace, CancellationToken.None);
        while (true)
        {
            Task[] sends;
            lock (_gate)
            {
                sends = [.. _sends];
            }

            if (sends.Length == 0)
            {
                break;
            }

            var drained = Task.WhenAll(sends);
            if (await Task.WhenAny(drained, deadline).ConfigureAwait(false) != drained)
            {
                await _abort.CancelAsync().ConfigureAwait(false);
            }

            await drained.ConfigureAwait(false);
        }

        _results.Writer.TryComplete();
        await _writeLoop.ConfigureAwait(false);
        _logger.WorkerStopped(WorkerId, _inFlight + Volatile.Read(ref _unwritten));
    }

    /// <summary>Stops (if running) and releases the HTTP client.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _sender.Dispose();
        _stopping.Dispose();
        _abort.Dispose();
    }

    /// <summary>
    /// Offers to take the deliveries of an event being published on this silo as they are
    /// written, or null when this worker is stopping or full (they are then claimed as usual).
    /// </summary>
    public WebhookLease? OfferLease()
    {
        if (!_started || _stopping.IsCancellationRequested)
        {
            return null;
        }

        lock (_gate)
        {
            if (HasRoom())
            {
                return new WebhookLease(WorkerId, _options.Lease);
            }

            _wakeOnRoom = true;
            return null;
        }
    }

    /// <summary>
    /// Takes deliveries written under this worker's lease (<see cref="OfferLease"/>): they are
    /// sent as soon as their transaction has committed and they can be read.
    /// </summary>
    public void HandOff(IReadOnlyList<ClaimedDelivery> deliveries) => Track(AdoptAsync(deliveries));

    private async Task AdoptAsync(IReadOnlyList<ClaimedDelivery> deliveries)
    {
        await Task.Yield();
        var pending = deliveries;
        try
        {
            foreach (var delay in WebhookConstants.HandOffReadMilliseconds)
            {
                if (delay > 0)
                {
                    await Task.Delay(delay, _abort.Token).ConfigureAwait(false);
                }

                var read = await _store.LoadAsync(pending, _abort.Token).ConfigureAwait(false);
                foreach (var delivery in read.Where(d => d.Loaded))
                {
                    Dispatch(delivery);
                }

                pending = read.Where(d => !d.Loaded).ToList();
                if (pending.Count == 0)
                {
                    return;
                }
            }

            await _store.UnlockAsync(WorkerId, pending, _abort.Token).ConfigureAwait(false);
            _signal.Wake();
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            // Left to the lease.
        }
        catch (Exception e)
        {
            // Left to the lease: another claim sends them when it runs out.
            _logger.WorkerError(e, WorkerId);
        }
    }

    private async Task ClaimLoopAsync()
    {
        var stopping = _stopping.Token;
        var repoll = WebhookConstants.WakeRepollMilliseconds.Length;
        while (!stopping.IsCancellationRequested)
        {
            int requested = 0, claimed = 0;
            try
            {
                int free;
                List<string> saturated;
                lock (_gate)
                {
                    free = HasRoom() ? _options.MaxConcurrency - _inFlight : 0;
                    saturated = [.. _perWebhook.Where(p => p.Value.Claimed >= ClaimAhead).Select(p => p.Key)];
                    _wakeOnRoom = free == 0;
                    _wakeOnWebhooks.Clear();
                    _wakeOnWebhooks.UnionWith(saturated);
                }

                if (free > 0)
                {
                    requested = Math.Min(free, WebhookConstants.MaxClaimBatch);
                    Interlocked.Increment(ref _claims);
                    var deliveries = await _store.ClaimAsync(WorkerId, _time.GetUtcNow(), requested, ClaimAhead, saturated, stopping).ConfigureAwait(false);
                    claimed = deliveries.Count;
                    foreach (var delivery in deliveries)
                    {
                        Dispatch(delivery);
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _logger.WorkerError(e, WorkerId);
                if (!await DelayAsync(WebhookConstants.ErrorBackoff, stopping).ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            if (claimed > 0)
            {
                repoll = WebhookConstants.WakeRepollMilliseconds.Length;
                if (claimed == requested)
                {
                    // A full batch: more may be due right now.
                    continue;
                }
            }

            var wait = repoll < WebhookConstants.WakeRepollMilliseconds.Length
                ? TimeSpan.FromMilliseconds(WebhookConstants.WakeRepollMilliseconds[repoll++])
                : _options.PollInterval;
            try
            {
                if (await _signal.WaitAsync(wait, stopping).ConfigureAwait(false))
                {
                    repoll = 0;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Dispatch(ClaimedDelivery delivery)
    {
        WebhookSlots slots;
        lock (_gate)
        {
            _inFlight++;
            if (!_perWebhook.TryGetValue(delivery.WebhookId, out slots!))
            {
                slots = new WebhookSlots(_options.MaxConcurrencyPerWebhook);
                _perWebhook[delivery.WebhookId] = slots;
            }

            slots.Claimed++;
        }

        Track(SendAsync(delivery, slots));
    }

    private void Track(Task send)
    {
        lock (_gate)
        {
            if (!send.IsCompleted)
            {
                _sends.Add(send);
            }
        }

        _ = send.ContinueWith(
            t =>
            {
                lock (_gate)
                {
                    _sends.Remove(t);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task SendAsync(ClaimedDelivery delivery, WebhookSlots slots)
    {
        // Off the claim loop's thread: the loop goes on claiming while this waits for the receiver.
        await Task.Yield();
        AttemptOutcome outcome;
        try
        {
            await slots.Sending.WaitAsync(_abort.Token).ConfigureAwait(false);
            try
            {
                if (_time.GetUtcNow() + _options.Timeout > delivery.ClaimedAt + _options.Lease)
                {
                    // It waited for a slot so long that another worker may take it mid-send: leave
                    // it to its lease (it is claimed again, by whichever worker is first).
                    SendDone(delivery);
                    return;
                }

                Interlocked.Increment(ref _attemptsMade);
                outcome = await _sender.SendAsync(delivery, _abort.Token).ConfigureAwait(false);
            }
            finally
            {
                slots.Sending.Release();
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            SendDone(delivery);
            return;
        }
        catch (Exception e)
        {
            outcome = new AttemptOutcome(_time.GetUtcNow(), null, TimeSpan.Zero, e.GetType().Name + ": " + e.Message);
        }

        GatewayMetrics.WebhookDeliveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome.Succeeded ? "succeeded" : "failed"));
        if (!outcome.Succeeded)
        {
            GatewayMetrics.WebhookFailures.Add(1);
            _logger.AttemptFailed(delivery.DeliveryId, delivery.EventType, delivery.WebhookId, outcome.StatusCode, delivery.Attempts + 1);
        }

        // The receiver is free for the next delivery now; writing this outcome back is the write
        // loop's, in batches, and the row stays leased to this worker until it is written.
        Interlocked.Increment(ref _unwritten);
        if (!_results.Writer.TryWrite((delivery, outcome)))
        {
            Interlocked.Decrement(ref _unwritten);
        }

        SendDone(delivery);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<(ClaimedDelivery Delivery, AttemptOutcome Outcome)>();
        while (await _results.Reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < WebhookConstants.MaxClaimBatch && _results.Reader.TryRead(out var result))
            {
                batch.Add(result);
            }

            while (true)
            {
                try
                {
                    foreach (var webhookId in await _store.CompleteAsync(WorkerId, batch, CancellationToken.None).ConfigureAwait(false))
                    {
                        _logger.WebhookDisabled(webhookId, _options.DisableAfter.TotalHours);
                    }

                    break;
                }
                catch (Exception e)
                {
                    // The rows stay leased; if the database stays away past the lease, another
                    // worker sends them again, which at-least-once allows.
                    _logger.WorkerError(e, WorkerId);
                    if (_abort.IsCancellationRequested || !await DelayAsync(WebhookConstants.ErrorBackoff, CancellationToken.None).ConfigureAwait(false))
                    {
                        break;
                    }
                }
            }

            Interlocked.Add(ref _unwritten, -batch.Count);
            bool wake;
            lock (_gate)
            {
                wake = RoomFreedForClaims();
            }

            if (wake)
            {
                _signal.Wake();
            }
        }
    }

    private void SendDone(ClaimedDelivery delivery)
    {
        bool wake;
        lock (_gate)
        {
            _inFlight--;
            var left = 0;
            if (_perWebhook.TryGetValue(delivery.WebhookId, out var slots) && (left = --slots.Claimed) == 0)
            {
                _perWebhook.Remove(delivery.WebhookId);
            }

            // A freed slot lets the claim loop take more, if it was held back for want of one.
            wake = RoomFreedForClaims() || (left < ClaimAhead && _wakeOnWebhooks.Remove(delivery.WebhookId));
        }

        if (wake)
        {
            _signal.Wake();
        }
    }

    /// <summary>How many deliveries of one webhook this worker holds at most before claims skip it.</summary>
    private int ClaimAhead => _options.MaxConcurrencyPerWebhook * WebhookConstants.ClaimAheadPerSlot;

    /// <summary>Gets whether the claim loop waits for room and there is some now; the wait then ends (call under the gate).</summary>
    private bool RoomFreedForClaims()
    {
        if (!_wakeOnRoom || !HasRoom())
        {
            return false;
        }

        _wakeOnRoom = false;
        return true;
    }

    /// <summary>Gets whether this worker may take more deliveries: few enough held, and few enough outcomes waiting to be written (call under the gate).</summary>
    private bool HasRoom() =>
        _inFlight < _options.MaxConcurrency && Volatile.Read(ref _unwritten) < _options.MaxConcurrency * WebhookConstants.UnwrittenPerHeld;

    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>One webhook's share of this worker: rows claimed and not yet sent, and the gate on concurrent sends.</summary>
    private sealed class WebhookSlots(int concurrency)
    {
        public int Claimed { get; set; }

        public SemaphoreSlim Sending { get; } = new(concurrency, concurrency);
    }
}

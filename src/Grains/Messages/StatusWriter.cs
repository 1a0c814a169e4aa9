using WaOrleans.Grains.Events;
using WaOrleans.Grains.Storage;

namespace WaOrleans.Grains.Messages;

/// <summary>
/// Writes the status changes of outbound messages (<c>sent</c>, <c>delivered</c>, <c>read</c>,
/// <c>failed</c>) and their events for every session of a silo, group-commit style: the first
/// change starts a transaction at once, and changes that arrive while it is being written join the
/// next one. No timer waits for company, so a lone change is written as soon as before; under load,
/// many changes share one commit (one turn of SQLite's single writer, one fsync).
/// </summary>
/// <remarks>
/// A change is applied in arrival order within its transaction, and transactions follow each other,
/// so the events of one session are stored (and reach webhooks) in the order their changes arrived.
/// Each caller awaits its own change's commit, as it awaited its own transaction before: a receipt
/// is acknowledged only once its status is durable. Statuses only move forward
/// (<see cref="MessageTable.AdvanceAsync"/>) whatever the order. When a shared transaction fails,
/// its changes are written again one by one, so one bad change fails only its own caller.
/// </remarks>
public sealed class StatusWriter
{
    private readonly DeviceStorage _storage;
    private readonly EventOutbox _outbox;
    private readonly Lock _gate = new();
    private List<Queued> _queue = [];
    private bool _writing;
    private long _transactions;

    /// <summary>Creates the writer of one storage, raising events through its outbox.</summary>
    public StatusWriter(DeviceStorage storage, EventOutbox outbox)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(outbox);
        _storage = storage;
        _outbox = outbox;
    }

    /// <summary>Gets how many transactions committed changes so far (for tests and metrics).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>
    /// Moves a message forward and stores its event once committed (with another caller's changes
    /// when they arrive together); returns whether the row changed.
    /// </summary>
    internal Task<bool> AdvanceAsync(StatusChange change)
    {
        var queued = new Queued(change, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool start;
        lock (_gate)
        {
            _queue.Add(queued);
            start = !_writing;
            _writing = true;
        }

        if (start)
        {
            // Off the caller's scheduler (a grain's): the writer serves every session of the silo.
            _ = Task.Run(DrainAsync);
        }

        return queued.Done.Task;
    }

    /// <summary>Writes what is queued, one transaction per round, until the queue is empty.</summary>
    private async Task DrainAsync()
    {
        while (true)
        {
            List<Queued> batch;
            lock (_gate)
            {
                if (_queue.Count == 0)
                {
                    _writing = false;
                    return;
                }

                batch = _queue;
                _queue = [];
            }

            if (!await TryWriteAsync(batch, reportFailure: batch.Count == 1))
            {
                foreach (var queued in batch)
                {
                    await TryWriteAsync([queued], reportFailure: true);
                }
            }
        }
    }

    /// <summary>Writes changes in one transaction and completes their callers; false when it did not commit.</summary>
    private async Task<bool> TryWriteAsync(List<Queued> batch, bool reportFailure)
    {
        var changed = new bool[batch.Count];
        try
        {
            var connection = await _storage.OpenConnectionAsync().ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var transaction = await _storage.BeginTransactionAsync(connection).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    for (var i = 0; i < batch.Count; i++)
                    {
                        var c = batch[i].Change;
                        changed[i] = await MessageTable.AdvanceAsync(connection, transaction, c.SessionId, c.MessageId, c.Status, c.Reason, c.Time, default).ConfigureAwait(false);
                        // A delivery receipt can overtake the ack: the row is then past "sent", and the event is still owed.
                        if (changed[i] || c.Status == MessageWords.Sent)
                        {
                            await _outbox.PublishAsync(connection, transaction,
                                GatewayEvents.OutboundStatus(c.EventType, c.TenantId, c.SessionId, c.MessageId, c.Chat, c.Status, c.Reason, c.Time)).ConfigureAwait(false);
                        }
                    }

                    await transaction.CommitAsync().ConfigureAwait(false);
                }
            }
        }
#pragma warning disable CA1031 // Handed to the caller that awaits the change, or retried alone.
        catch (Exception e)
#pragma warning restore CA1031
        {
            if (reportFailure)
            {
                batch.ForEach(q => q.Done.TrySetException(e));
            }

            return false;
        }

        Interlocked.Increment(ref _transactions);
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Done.TrySetResult(changed[i]);
        }

        return true;
    }

    private sealed record Queued(StatusChange Change, TaskCompletionSource<bool> Done);
}

/// <summary>A status change of an outbound message and the event it raises.</summary>
/// <param name="TenantId">The tenant owning the session.</param>
/// <param name="SessionId">The session.</param>
/// <param name="MessageId">The message.</param>
/// <param name="Chat">The chat the message went to.</param>
/// <param name="Status">The status it moves to.</param>
/// <param name="Reason">Why it failed, for <c>failed</c>.</param>
/// <param name="EventType">The event raised when it moves (and for <c>sent</c> always).</param>
/// <param name="Time">When the change happened.</param>
internal sealed record StatusChange(string TenantId, string SessionId, string MessageId, string Chat, string Status, string? Reason, string EventType, DateTimeOffset Time);

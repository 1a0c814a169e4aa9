using System.Data.Common;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Webhooks;

namespace WaOrleans.Grains.Events;

/// <summary>
/// Writes <see cref="GatewayEvent"/>s to the <c>events</c> table, on their own or inside the
/// caller's transaction (so an inbound message and its event commit together), and fans each new
/// event out to the webhook deliveries it matches in the same transaction.
/// </summary>
public sealed class EventOutbox
{
    private readonly DeviceStorage _storage;
    private readonly WebhookDispatchSignal? _signal;

    /// <summary>Creates an outbox that queues deliveries without waking a worker (they go out at its next poll).</summary>
    public EventOutbox(DeviceStorage storage)
        : this(storage, null)
    {
    }

    /// <summary>Creates an outbox that wakes the silo's delivery worker through <paramref name="signal"/> when it queues deliveries.</summary>
    public EventOutbox(DeviceStorage storage, WebhookDispatchSignal? signal)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _storage = storage;
        _signal = signal;
    }

    /// <summary>Stores the event in its own transaction; returns false when an event with its id was stored before.</summary>
    public async Task<bool> PublishAsync(GatewayEvent gatewayEvent, CancellationToken cancellationToken = default)
    {
        var connection = await _storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await _storage.BeginTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var published = await PublishCoreAsync(connection, transaction, gatewayEvent, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                if (published == Published.Queued)
                {
                    // Again after the commit: the wake inside the transaction may have come too early to see the rows.
                    _signal?.Wake();
                }

                return published != Published.Duplicate;
            }
        }
    }

    /// <summary>
    /// Stores the event inside the caller's transaction and queues a webhook delivery for every
    /// enabled webhook whose filter it matches; returns false (and queues nothing) when an event
    /// with its id was stored before, so a redelivered message makes no second delivery.
    /// </summary>
    /// <remarks>
    /// The deliveries commit with the caller's transaction. The silo's delivery worker, when it has
    /// room, is handed them as they are written (they are stored already leased to it) and sends
    /// each as soon as it can read it, that is once the caller commits; a rollback leaves nothing
    /// to send. Otherwise the worker is woken, and any worker's claim takes them.
    /// </remarks>
    public async Task<bool> PublishAsync(DbConnection connection, DbTransaction transaction, GatewayEvent gatewayEvent, CancellationToken cancellationToken = default) =>
        await PublishCoreAsync(connection, transaction, gatewayEvent, cancellationToken).ConfigureAwait(false) != Published.Duplicate;

    private async Task<Published> PublishCoreAsync(DbConnection connection, DbTransaction transaction, GatewayEvent gatewayEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(gatewayEvent);
        await using var command = connection.CreateCommand(
            transaction,
            "INSERT INTO events (event_id, type, tenant_id, session_id, created_at, data) VALUES (@id, @type, @tenant, @session, @at, @data) ON CONFLICT (event_id) DO NOTHING")
            .With("@id", gatewayEvent.EventId)
            .With("@type", gatewayEvent.Type)
            .With("@tenant", gatewayEvent.TenantId)
            .With("@session", (object?)gatewayEvent.SessionId ?? DBNull.Value)
            .With("@at", gatewayEvent.Timestamp.ToUnixTimeMilliseconds())
            .With("@data", gatewayEvent.DataJson);
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
        {
            return Published.Duplicate;
        }

        // The local worker, when it has room, takes the deliveries as they are written: it sends
        // them once they are committed, with no claim (a database write) in between.
        var worker = _signal?.Worker;
        var lease = worker?.OfferLease();
        var queued = await WebhookOutbox.FanOutAsync(connection, transaction, gatewayEvent, TimeProvider.System.GetUtcNow(), lease, cancellationToken).ConfigureAwait(false);
        if (queued.Count == 0)
        {
            return Published.Stored;
        }

        if (lease is null)
        {
            _signal?.Wake();
            return Published.Queued;
        }

        if (!_storage.TryRunAfterCommit(transaction, () => worker!.HandOff(queued)))
        {
            // No commit hook: the worker reads them again until the commit makes them visible.
            worker!.HandOff(queued);
        }

        // Handed to the worker, which sends them without a claim: waking it would only make it look for nothing.
        return Published.HandedOff;
    }

    /// <summary>What publishing an event did.</summary>
    private enum Published
    {
        /// <summary>An event with its id was stored before: nothing was written.</summary>
        Duplicate,

        /// <summary>Stored; no webhook wanted it.</summary>
        Stored,

        /// <summary>Stored with deliveries left for a claim.</summary>
        Queued,

        /// <summary>Stored with deliveries handed to this silo's worker.</summary>
        HandedOff,
    }
}

using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using WaOrleans.Grains.Events;
using WaOrleans.Grains.Storage;

namespace WaOrleans.Grains.Webhooks;

/// <summary>
/// Writes webhook deliveries inside the transaction that stores their event: one row per matching
/// enabled webhook, due at once. An event of a session goes to that session's webhooks and the
/// tenant-wide ones; an event without a session (<c>webhook.disabled</c>) to every webhook of the tenant.
/// </summary>
internal static class WebhookOutbox
{
    /// <summary>
    /// Queues the event's deliveries and returns them. With a <paramref name="lease"/> they are
    /// written already claimed by that worker, which is handed them in memory and sends them as
    /// soon as the transaction commits, without a claim of its own.
    /// </summary>
    public static async Task<IReadOnlyList<ClaimedDelivery>> FanOutAsync(DbConnection connection, DbTransaction transaction, GatewayEvent gatewayEvent, DateTimeOffset now, WebhookLease? lease, CancellationToken cancellationToken)
    {
        var targets = new List<string>();
        var sql = "SELECT id, events FROM webhooks WHERE tenant_id = @tenant AND enabled = 1" +
            (gatewayEvent.SessionId is null ? string.Empty : " AND (session_id IS NULL OR session_id = @session)");
        await using (var select = connection.CreateCommand(transaction, sql).With("@tenant", gatewayEvent.TenantId))
        {
            if (gatewayEvent.SessionId is { } sessionId)
            {
                select.With("@session", sessionId);
            }

            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (WebhookEventFilter.Matches(WebhookEventFilter.Parse(reader.GetString(1)), gatewayEvent.Type))
                {
                    targets.Add(reader.GetString(0));
                }
            }
        }

        var queued = new List<ClaimedDelivery>(targets.Count);
        foreach (var webhookId in targets)
        {
            queued.Add(new ClaimedDelivery
            {
                DeliveryId = await QueueAsync(connection, transaction, webhookId, gatewayEvent, now, lease, cancellationToken).ConfigureAwait(false),
                WebhookId = webhookId,
                EventId = gatewayEvent.EventId,
                EventType = gatewayEvent.Type,
                RoundStartedAt = now,
                ClaimedAt = now,
            });
        }

        return queued;
    }

    /// <summary>Queues one delivery of an event to one webhook (a no-op when it exists), claimed when there is a <paramref name="lease"/>; returns its id.</summary>
    public static async Task<string> QueueAsync(DbConnection connection, DbTransaction? transaction, string webhookId, GatewayEvent gatewayEvent, DateTimeOffset now, WebhookLease? lease, CancellationToken cancellationToken)
    {
        var deliveryId = DeliveryId(gatewayEvent.EventId, webhookId);
        var at = now.ToUnixTimeMilliseconds();
        await using var insert = connection.CreateCommand(
            transaction,
            "INSERT INTO webhook_deliveries (delivery_id, webhook_id, event_id, event_type, status, attempts, round_attempts, round_started_at, next_attempt_at, locked_by, locked_until, created_at) " +
            "VALUES (@id, @webhook, @event, @type, @status, 0, 0, @now, @now, @by, @until, @now) ON CONFLICT (delivery_id) DO NOTHING")
            .With("@by", Db.OrNull(lease?.WorkerId))
            .With("@until", lease is { } held ? (now + held.Duration).ToUnixTimeMilliseconds() : DBNull.Value)
            .With("@id", deliveryId)
            .With("@webhook", webhookId)
            .With("@event", gatewayEvent.EventId)
            .With("@type", gatewayEvent.Type)
            .With("@status", WebhookDeliveryStatus.Pending)
            .With("@now", at);
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return deliveryId;
    }

    /// <summary>
    /// Gets the delivery id of an event to a webhook: derived from both, so the same event fanned
    /// out again (a redelivered inbound message) names the same delivery, and receivers can
    /// deduplicate on it.
    /// </summary>
    public static string DeliveryId(string eventId, string webhookId)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(eventId + "\n" + webhookId), hash);
        return WebhookConstants.DeliveryIdPrefix + Convert.ToHexStringLower(hash[..WebhookConstants.DeliveryIdHashBytes]);
    }
}

/// <summary>A claim written with the rows it covers: the worker and how long it holds them.</summary>
internal sealed record WebhookLease(string WorkerId, TimeSpan Duration);

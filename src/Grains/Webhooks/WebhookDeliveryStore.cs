using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using WaOrleans.Grains.Events;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Storage.Postgres;

namespace WaOrleans.Grains.Webhooks;

/// <summary>A delivery a worker holds the lease of, with what it needs to send it.</summary>
internal sealed record ClaimedDelivery
{
    public required string DeliveryId { get; init; }

    public required string WebhookId { get; init; }

    public required string EventId { get; init; }

    public required string EventType { get; init; }

    /// <summary>Attempts made before this one.</summary>
    public int Attempts { get; init; }

    /// <summary>Attempts made in the current round (since the delivery was queued or redelivered).</summary>
    public int RoundAttempts { get; init; }

    public DateTimeOffset RoundStartedAt { get; init; }

    /// <summary>When the worker claimed it; its lease runs out <see cref="WebhookOptions.Lease"/> later.</summary>
    public DateTimeOffset ClaimedAt { get; init; }

    public string Url { get; init; } = string.Empty;

    public string Secret { get; init; } = string.Empty;

    public string? SessionId { get; init; }

    public DateTimeOffset EventTime { get; init; }

    public string DataJson { get; init; } = "{}";

    /// <summary>False when the webhook or the event is gone, so there is nothing to send.</summary>
    public bool Loaded { get; init; }

    /// <summary>Prints the ids only: the secret must never reach a log.</summary>
    public override string ToString() => $"ClaimedDelivery({DeliveryId}, {WebhookId}, {EventType})";
}

/// <summary>The outcome of one HTTP attempt.</summary>
internal sealed record AttemptOutcome(DateTimeOffset At, int? StatusCode, TimeSpan Latency, string? Excerpt)
{
    /// <summary>Gets whether the receiver accepted the delivery (a 2xx answer).</summary>
    public bool Succeeded => StatusCode is >= 200 and < 300;
}

/// <summary>
/// The worker side of <c>webhook_deliveries</c>: claiming due rows under a lease, and writing the
/// attempts' outcomes, the retry schedule and the webhook's failure streak back.
/// </summary>
internal sealed class WebhookDeliveryStore(DeviceStorage storage, EventOutbox outbox, WebhookOptions options)
{
    private const string ReturnedColumns = "delivery_id, webhook_id, event_id, event_type, attempts, round_attempts, round_started_at";

    private const string LoadColumns = "w.url, w.secret, e.session_id, e.created_at, e.data";

    private const string LoadJoins = "LEFT JOIN webhooks w ON w.id = claimed.webhook_id LEFT JOIN events e ON e.event_id = claimed.event_id";

    private readonly bool _postgres = storage is PostgresStorage;

    /// <summary>
    /// Claims up to <paramref name="limit"/> due deliveries of enabled webhooks for
    /// <paramref name="workerId"/>, at most <paramref name="perWebhook"/> per webhook and none of
    /// <paramref name="skipWebhooks"/>. One UPDATE takes the lease, so two workers never hold one
    /// row: SQLite runs it under the write lock; PostgreSQL skips rows another claim has locked
    /// and rechecks the lease on the rows it updates.
    /// </summary>
    public async Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(string workerId, DateTimeOffset now, int limit, int perWebhook, IReadOnlyCollection<string> skipWebhooks, CancellationToken cancellationToken)
    {
        var skipNames = skipWebhooks.Select((_, i) => "@skip" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var due = "d.next_attempt_at <= @now AND (d.locked_until IS NULL OR d.locked_until < @now) AND w.enabled = 1" +
            (skipNames.Length == 0 ? string.Empty : $" AND d.webhook_id NOT IN ({string.Join(", ", skipNames)})");
        var ranked =
            "SELECT delivery_id FROM (SELECT d.delivery_id, d.next_attempt_at, ROW_NUMBER() OVER (PARTITION BY d.webhook_id ORDER BY d.next_attempt_at, d.delivery_id) AS place " +
            $"FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE {due}) ranked WHERE place <= @per ORDER BY next_attempt_at LIMIT @limit";
        var chosen = _postgres
            ? $"SELECT delivery_id FROM webhook_deliveries WHERE delivery_id IN ({ranked}) FOR UPDATE SKIP LOCKED"
            : ranked;
        var sql = $"UPDATE webhook_deliveries SET locked_by = @worker, locked_until = @until WHERE delivery_id IN ({chosen}) " +
            $"AND next_attempt_at <= @now AND (locked_until IS NULL OR locked_until < @now) RETURNING {ReturnedColumns}";

        var claimed = new List<ClaimedDelivery>();
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // SQLite looks before it claims: a read never waits (WAL), while the claim needs the
            // write lock and waits for it in a blocking busy loop; a wake-up from inside a
            // publisher's transaction would otherwise block a thread until that commits.
            if (!_postgres)
            {
                await using var look = connection.CreateCommand(
                    null,
                    $"SELECT 1 FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE {due} LIMIT 1")
                    .With("@now", now.ToUnixTimeMilliseconds());
                var i = 0;
                foreach (var webhookId in skipWebhooks)
                {
                    look.With(skipNames[i++], webhookId);
                }

                if (await look.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
                {
                    return claimed;
                }
            }

            // PostgreSQL claims and reads what to send in one round trip (a data-modifying CTE);
            // SQLite's RETURNING cannot join, so it reads the webhooks and events after the claim.
            await using (var command = connection.CreateCommand(null, _postgres ? $"WITH claimed AS ({sql}) SELECT claimed.*, {LoadColumns} FROM claimed {LoadJoins}" : sql)
                .With("@worker", workerId)
                .With("@until", (now + options.Lease).ToUnixTimeMilliseconds())
                .With("@now", now.ToUnixTimeMilliseconds())
                .With("@per", perWebhook)
                .With("@limit", limit))
            {
                var i = 0;
                foreach (var webhookId in skipWebhooks)
                {
                    command.With(skipNames[i++], webhookId);
                }

                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var delivery = new ClaimedDelivery
                    {
                        DeliveryId = reader.GetString(0),
                        WebhookId = reader.GetString(1),
                        EventId = reader.GetString(2),
                        EventType = reader.GetString(3),
                        Attempts = (int)Db.Int64(reader, 4),
                        RoundAttempts = (int)Db.Int64(reader, 5),
                        RoundStartedAt = Db.Time(reader, 6),
                        ClaimedAt = now,
                    };
                    claimed.Add(_postgres ? WithLoaded(delivery, reader, 7) : delivery);
                }
            }

            return claimed.Count == 0 || _postgres ? claimed : await LoadAsync(connection, claimed, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes the outcomes of attempts in one transaction: the attempt log, the next step of each
    /// delivery (succeeded, retrying at a jittered backoff, or failed after the window) and each
    /// webhook's failure streak; a webhook failing for <see cref="WebhookOptions.DisableAfter"/> is
    /// disabled and a <c>webhook.disabled</c> event published. A delivery whose lease was taken
    /// over (or which was redelivered meanwhile) keeps its new state; its attempt is still logged.
    /// </summary>
    /// <returns>The webhooks disabled by these outcomes.</returns>
    public async Task<IReadOnlyList<string>> CompleteAsync(string workerId, IReadOnlyList<(ClaimedDelivery Delivery, AttemptOutcome Outcome)> results, CancellationToken cancellationToken)
    {
        var disabled = new List<string>();
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await storage.BeginTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                foreach (var (delivery, outcome) in results)
                {
                    await LogAttemptAsync(connection, transaction, delivery, outcome, cancellationToken).ConfigureAwait(false);
                    await ScheduleAsync(connection, transaction, workerId, delivery, outcome, cancellationToken).ConfigureAwait(false);
                    if (delivery.Loaded && await UpdateStreakAsync(connection, transaction, delivery.WebhookId, outcome, cancellationToken).ConfigureAwait(false))
                    {
                        disabled.Add(delivery.WebhookId);
                    }
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return disabled;
    }

    /// <summary>
    /// Ends the queued deliveries of a webhook being disabled as failed, so claims stop passing
    /// over them; once it is enabled again they can be redelivered one by one. A delivery in
    /// flight loses its lock, so its outcome is logged but leaves it failed.
    /// </summary>
    public static async Task EndQueuedAsync(DbConnection connection, DbTransaction? transaction, string webhookId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand(
            transaction,
            "UPDATE webhook_deliveries SET status = @status, next_attempt_at = NULL, locked_by = NULL, locked_until = NULL, completed_at = @now " +
            "WHERE webhook_id = @id AND next_attempt_at IS NOT NULL")
            .With("@status", WebhookDeliveryStatus.Failed)
            .With("@now", now.ToUnixTimeMilliseconds())
            .With("@id", webhookId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets the delay before retry number <paramref name="roundAttempts"/> (1-based), jittered.</summary>
    public TimeSpan Backoff(int roundAttempts)
    {
        var multipliers = WebhookConstants.BackoffMultipliers;
        var step = multipliers[Math.Clamp(roundAttempts - 1, 0, multipliers.Length - 1)];
        var jitter = 1 + (((Random.Shared.NextDouble() * 2) - 1) * WebhookConstants.BackoffJitter);
        return options.BackoffBase * step * jitter;
    }

    /// <summary>
    /// Reads what is needed to send deliveries this worker holds; those whose row, webhook or event
    /// cannot be read (not committed yet, or gone) come back with <see cref="ClaimedDelivery.Loaded"/> false.
    /// </summary>
    public async Task<IReadOnlyList<ClaimedDelivery>> LoadAsync(IReadOnlyList<ClaimedDelivery> claimed, CancellationToken cancellationToken)
    {
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await LoadAsync(connection, claimed, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Gives up this worker's hold on deliveries it will not send, so any worker's next claim takes them.</summary>
    public async Task UnlockAsync(string workerId, IReadOnlyList<ClaimedDelivery> deliveries, CancellationToken cancellationToken)
    {
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            foreach (var delivery in deliveries)
            {
                await using var command = connection.CreateCommand(
                    null,
                    "UPDATE webhook_deliveries SET locked_by = NULL, locked_until = NULL WHERE delivery_id = @id AND locked_by = @worker")
                    .With("@id", delivery.DeliveryId)
                    .With("@worker", workerId);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task<IReadOnlyList<ClaimedDelivery>> LoadAsync(DbConnection connection, IReadOnlyList<ClaimedDelivery> claimed, CancellationToken cancellationToken)
    {
        var names = claimed.Select((_, i) => "@d" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var loaded = new Dictionary<string, ClaimedDelivery>(StringComparer.Ordinal);
        await using (var command = connection.CreateCommand(
            null,
            $"SELECT claimed.delivery_id, {LoadColumns} FROM webhook_deliveries claimed {LoadJoins} WHERE claimed.delivery_id IN ({string.Join(", ", names)})"))
        {
            for (var i = 0; i < names.Length; i++)
            {
                command.With(names[i], claimed[i].DeliveryId);
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var byId = claimed.ToDictionary(c => c.DeliveryId, StringComparer.Ordinal);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var id = reader.GetString(0);
                loaded[id] = WithLoaded(byId[id], reader, 1);
            }
        }

        return claimed.Select(c => loaded.GetValueOrDefault(c.DeliveryId, c)).ToList();
    }

    /// <summary>Adds the webhook's and the event's columns (<see cref="LoadColumns"/> from <paramref name="first"/>); left as is when either is gone.</summary>
    private static ClaimedDelivery WithLoaded(ClaimedDelivery delivery, DbDataReader reader, int first) =>
        reader.IsDBNull(first) || reader.IsDBNull(first + 4)
            ? delivery
            : delivery with
            {
                Url = reader.GetString(first),
                Secret = reader.GetString(first + 1),
                SessionId = Db.NullableString(reader, first + 2),
                EventTime = Db.Time(reader, first + 3),
                DataJson = reader.GetString(first + 4),
                Loaded = true,
            };

    private static async Task LogAttemptAsync(DbConnection connection, DbTransaction transaction, ClaimedDelivery delivery, AttemptOutcome outcome, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand(
            transaction,
            // A delivery deleted with its webhook meanwhile leaves no orphan attempt behind.
            "INSERT INTO webhook_attempts (delivery_id, attempt_no, at, status_code, latency_ms, response) " +
            "SELECT @id, @no, @at, @code, @latency, @response WHERE EXISTS (SELECT 1 FROM webhook_deliveries WHERE delivery_id = @id)")
            .With("@id", delivery.DeliveryId)
            .With("@no", delivery.Attempts + 1)
            .With("@at", outcome.At.ToUnixTimeMilliseconds())
            .With("@code", outcome.StatusCode is { } code ? code : DBNull.Value)
            .With("@latency", (long)outcome.Latency.TotalMilliseconds)
            .With("@response", Db.OrNull(outcome.Excerpt));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ScheduleAsync(DbConnection connection, DbTransaction transaction, string workerId, ClaimedDelivery delivery, AttemptOutcome outcome, CancellationToken cancellationToken)
    {
        var now = outcome.At + outcome.Latency;
        string status;
        DateTimeOffset? next = null;
        if (outcome.Succeeded)
        {
            status = WebhookDeliveryStatus.Succeeded;
        }
        else
        {
            var retryAt = now + Backoff(delivery.RoundAttempts + 1);
            // A webhook that is gone, or an event that is, will never be deliverable.
            if (delivery.Loaded && retryAt <= delivery.RoundStartedAt + options.RetryWindow)
            {
                status = WebhookDeliveryStatus.Retrying;
                next = retryAt;
            }
            else
            {
                status = WebhookDeliveryStatus.Failed;
            }
        }

        await using var command = connection.CreateCommand(
            transaction,
            "UPDATE webhook_deliveries SET status = @status, attempts = attempts + 1, round_attempts = round_attempts + 1, next_attempt_at = @next, " +
            "locked_by = NULL, locked_until = NULL, completed_at = @completed WHERE delivery_id = @id AND locked_by = @worker")
            .With("@status", status)
            .With("@next", next is { } at ? at.ToUnixTimeMilliseconds() : DBNull.Value)
            .With("@completed", next is null ? now.ToUnixTimeMilliseconds() : DBNull.Value)
            .With("@id", delivery.DeliveryId)
            .With("@worker", workerId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Clears or extends the webhook's failure streak; true when this outcome disabled it.</summary>
    private async Task<bool> UpdateStreakAsync(DbConnection connection, DbTransaction transaction, string webhookId, AttemptOutcome outcome, CancellationToken cancellationToken)
    {
        var now = (outcome.At + outcome.Latency).ToUnixTimeMilliseconds();
        if (outcome.Succeeded)
        {
            await using var clear = connection.CreateCommand(transaction, "UPDATE webhooks SET failing_since = NULL WHERE id = @id AND failing_since IS NOT NULL")
                .With("@id", webhookId);
            await clear.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return false;
        }

        // The streak starts at the first failed attempt after a success; it is "all failed for
        // DisableAfter straight" once it is that old.
        await using (var extend = connection.CreateCommand(transaction, "UPDATE webhooks SET failing_since = @now WHERE id = @id AND failing_since IS NULL")
            .With("@id", webhookId)
            .With("@now", outcome.At.ToUnixTimeMilliseconds()))
        {
            await extend.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var reason = FormattableString.Invariant($"every delivery failed for {options.DisableAfter.TotalHours:0.##} h (last attempt: {(outcome.StatusCode is { } code ? "HTTP " + code : "no response")})");
        await using var disable = connection.CreateCommand(
            transaction,
            "UPDATE webhooks SET enabled = 0, disabled_reason = @reason, updated_at = @now WHERE id = @id AND enabled = 1 AND failing_since <= @cutoff " +
            "RETURNING tenant_id, session_id, url, failing_since")
            .With("@id", webhookId)
            .With("@reason", reason)
            .With("@now", now)
            .With("@cutoff", now - (long)options.DisableAfter.TotalMilliseconds);
        GatewayEvent? disabledEvent = null;
        await using (var reader = await disable.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var failingSince = Db.Time(reader, 3);
                disabledEvent = new GatewayEvent
                {
                    EventId = FormattableString.Invariant($"webhook.disabled:{webhookId}:{failingSince.ToUnixTimeMilliseconds()}"),
                    Type = GatewayEventTypes.WebhookDisabled,
                    TenantId = reader.GetString(0),
                    SessionId = null,
                    Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(now),
                    DataJson = DisabledData(webhookId, Db.NullableString(reader, 1), reader.GetString(2), reason, failingSince),
                };
            }
        }

        if (disabledEvent is null)
        {
            return false;
        }

        await EndQueuedAsync(connection, transaction, webhookId, DateTimeOffset.FromUnixTimeMilliseconds(now), cancellationToken).ConfigureAwait(false);
        await outbox.PublishAsync(connection, transaction, disabledEvent, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static string DisabledData(string webhookId, string? sessionId, string url, string reason, DateTimeOffset failingSince)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("webhookId", webhookId);
            json.WriteString("sessionId", sessionId);
            json.WriteString("url", url);
            json.WriteString("reason", reason);
            json.WriteString("failingSince", failingSince);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}

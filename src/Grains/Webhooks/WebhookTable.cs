using System.Data.Common;
using System.Text;
using WaOrleans.Grains.Storage;

namespace WaOrleans.Grains.Webhooks;

/// <summary>
/// The <c>webhooks</c> table and the read side of deliveries, for the directory grain. Every
/// statement is portable between SQLite and PostgreSQL; a null tenant means the admin, who sees
/// every tenant's webhooks.
/// </summary>
internal sealed class WebhookTable(DeviceStorage storage)
{
    /// <summary>Inserts a webhook; false when the tenant already has its normalized URL on the same session (or tenant-wide).</summary>
    public async Task<bool> InsertAsync(WebhookRow row, CancellationToken cancellationToken)
    {
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand(
                null,
                $"INSERT INTO webhooks ({WebhookRow.Columns}) VALUES (@id, @tenant, @session, @url, @norm, @events, @secret, @enabled, @reason, @failing, @created, @updated) ON CONFLICT DO NOTHING");
            Bind(command, row);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }
    }

    /// <summary>
    /// Writes every column of an existing webhook; false when the new URL clashes with another of
    /// the same scope. Disabling it ends its queued deliveries (<see cref="WebhookDeliveryStore.EndQueuedAsync"/>).
    /// </summary>
    public async Task<bool> UpdateAsync(WebhookRow row, CancellationToken cancellationToken)
    {
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await storage.BeginTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                if (!await UpdateRowAsync(connection, transaction, row, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }

                if (!row.Enabled)
                {
                    await WebhookDeliveryStore.EndQueuedAsync(connection, transaction, row.Id, row.UpdatedAt, cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
        }
    }

    /// <summary>Gets a webhook, or null when missing or another tenant's.</summary>
    public async Task<WebhookRow?> GetAsync(string? tenantId, string webhookId, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            $"SELECT {WebhookRow.Columns} FROM webhooks WHERE id = @id" + (tenantId is null ? string.Empty : " AND tenant_id = @tenant"),
            cancellationToken,
            ("@id", webhookId),
            ("@tenant", tenantId)).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Lists a tenant's webhooks: of one session, or all of them, oldest first.</summary>
    public Task<List<WebhookRow>> ListAsync(string tenantId, string? sessionId, CancellationToken cancellationToken) =>
        QueryAsync(
            $"SELECT {WebhookRow.Columns} FROM webhooks WHERE tenant_id = @tenant" + (sessionId is null ? string.Empty : " AND session_id = @session") + " ORDER BY created_at, id",
            cancellationToken,
            ("@tenant", tenantId),
            ("@session", sessionId));

    /// <summary>Deletes a webhook with its deliveries and their attempt log; false when not found.</summary>
    public async Task<bool> DeleteAsync(string? tenantId, string webhookId, CancellationToken cancellationToken)
    {
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await storage.BeginTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await using (var webhook = connection.CreateCommand(transaction, "DELETE FROM webhooks WHERE id = @id" + (tenantId is null ? string.Empty : " AND tenant_id = @tenant")))
                {
                    webhook.With("@id", webhookId);
                    if (tenantId is not null)
                    {
                        webhook.With("@tenant", tenantId);
                    }

                    if (await webhook.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                    {
                        return false;
                    }
                }

                await using (var attempts = connection.CreateCommand(
                    transaction,
                    "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT delivery_id FROM webhook_deliveries WHERE webhook_id = @id)").With("@id", webhookId))
                {
                    await attempts.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await using (var deliveries = connection.CreateCommand(transaction, "DELETE FROM webhook_deliveries WHERE webhook_id = @id").With("@id", webhookId))
                {
                    await deliveries.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
        }
    }

    /// <summary>Lists a webhook's deliveries, newest first, each with its attempts (oldest first).</summary>
    public async Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(string webhookId, string? deliveryId, int limit, CancellationToken cancellationToken)
    {
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var deliveries = new List<WebhookDelivery>();
            var sql = new StringBuilder("SELECT delivery_id, webhook_id, event_id, event_type, status, attempts, next_attempt_at, created_at FROM webhook_deliveries WHERE webhook_id = @webhook");
            if (deliveryId is not null)
            {
                sql.Append(" AND delivery_id = @delivery");
            }

            sql.Append(" ORDER BY created_at DESC, delivery_id DESC LIMIT @limit");
            await using (var command = connection.CreateCommand(null, sql.ToString()).With("@webhook", webhookId).With("@limit", limit))
            {
                if (deliveryId is not null)
                {
                    command.With("@delivery", deliveryId);
                }

                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    deliveries.Add(new WebhookDelivery
                    {
                        Id = reader.GetString(0),
                        WebhookId = reader.GetString(1),
                        EventId = reader.GetString(2),
                        EventType = reader.GetString(3),
                        Status = reader.GetString(4),
                        Attempts = (int)Db.Int64(reader, 5),
                        NextAttemptAt = Db.NullableTime(reader, 6),
                        CreatedAt = Db.Time(reader, 7),
                    });
                }
            }

            if (deliveries.Count == 0)
            {
                return deliveries;
            }

            var attempts = deliveries.ToDictionary(d => d.Id, _ => new List<WebhookAttempt>(), StringComparer.Ordinal);
            var names = deliveries.Select((_, i) => "@d" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            await using (var command = connection.CreateCommand(
                null,
                $"SELECT delivery_id, at, status_code, latency_ms, response FROM webhook_attempts WHERE delivery_id IN ({string.Join(", ", names)}) ORDER BY attempt_no, attempt_id"))
            {
                for (var i = 0; i < names.Length; i++)
                {
                    command.With(names[i], deliveries[i].Id);
                }

                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    attempts[reader.GetString(0)].Add(new WebhookAttempt
                    {
                        At = Db.Time(reader, 1),
                        StatusCode = Db.NullableInt64(reader, 2) is { } code ? (int)code : null,
                        Latency = TimeSpan.FromMilliseconds(Db.Int64(reader, 3)),
                        ResponseExcerpt = Db.NullableString(reader, 4),
                    });
                }
            }

            return deliveries.Select(d => d with { AttemptLog = attempts[d.Id] }).ToList();
        }
    }

    /// <summary>
    /// Queues an existing delivery again now, with the same id: a new retry window starts and its
    /// attempt count for the backoff restarts (the log keeps every attempt). False when not found.
    /// </summary>
    public async Task<bool> RedeliverAsync(string webhookId, string deliveryId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // Clearing the lock makes a result still in flight for the old round land nowhere
            // (completions match locked_by), so the redelivery really goes out again.
            await using var command = connection.CreateCommand(
                null,
                "UPDATE webhook_deliveries SET status = @status, round_attempts = 0, round_started_at = @now, next_attempt_at = @now, locked_by = NULL, locked_until = NULL, completed_at = NULL " +
                "WHERE webhook_id = @webhook AND delivery_id = @delivery")
                .With("@status", WebhookDeliveryStatus.Pending)
                .With("@now", now.ToUnixTimeMilliseconds())
                .With("@webhook", webhookId)
                .With("@delivery", deliveryId);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }
    }

    private static async Task<bool> UpdateRowAsync(DbConnection connection, DbTransaction transaction, WebhookRow row, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand(
            transaction,
            "UPDATE webhooks SET url = @url, url_normalized = @norm, events = @events, secret = @secret, enabled = @enabled, disabled_reason = @reason, failing_since = @failing, updated_at = @updated " +
            "WHERE id = @id AND tenant_id = @tenant AND NOT EXISTS (SELECT 1 FROM webhooks o WHERE o.tenant_id = @tenant AND COALESCE(o.session_id, '') = COALESCE(@session, '') AND o.url_normalized = @norm AND o.id <> @id)");
        Bind(command, row);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private static void Bind(DbCommand command, WebhookRow row) =>
        command
            .With("@id", row.Id)
            .With("@tenant", row.TenantId)
            .With("@session", Db.OrNull(row.SessionId))
            .With("@url", row.Url)
            .With("@norm", row.UrlNormalized)
            .With("@events", WebhookEventFilter.Format(row.Events))
            .With("@secret", row.Secret)
            .With("@enabled", row.Enabled ? 1 : 0)
            .With("@reason", Db.OrNull(row.DisabledReason))
            .With("@failing", Db.OrNull(row.FailingSince?.ToUnixTimeMilliseconds()))
            .With("@created", row.CreatedAt.ToUnixTimeMilliseconds())
            .With("@updated", row.UpdatedAt.ToUnixTimeMilliseconds());

    private async Task<List<WebhookRow>> QueryAsync(string sql, CancellationToken cancellationToken, params (string Name, string? Value)[] parameters)
    {
        var rows = new List<WebhookRow>();
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand(null, sql);
            foreach (var (name, value) in parameters)
            {
                if (value is not null)
                {
                    command.With(name, value);
                }
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(WebhookRow.Read(reader));
            }
        }

        return rows;
    }
}

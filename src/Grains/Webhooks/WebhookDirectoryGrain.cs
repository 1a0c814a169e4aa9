using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using WaOrleans.Grains.Events;
using WaOrleans.Grains.Storage;

namespace WaOrleans.Grains.Webhooks;

/// <summary>
/// The webhook registry on the shared database: stateless, so every silo answers locally. A test
/// delivery or a redelivery wakes this silo's worker, so it goes out at once.
/// </summary>
[StatelessWorker]
public sealed class WebhookDirectoryGrain : Grain, IWebhookDirectoryGrain
{
    private readonly DeviceStorage _storage;
    private readonly WebhookTable _table;
    private readonly WebhookDispatchSignal _signal;
    private readonly WebhookOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<WebhookDirectoryGrain> _logger;

    /// <summary>Creates the grain on the silo's storage and webhook policy.</summary>
    public WebhookDirectoryGrain(DeviceStorage storage, WebhookDispatchSignal signal, IOptions<WebhookOptions> options, ILogger<WebhookDirectoryGrain> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _storage = storage;
        _table = new WebhookTable(storage);
        _signal = signal;
        _options = options.Value;
        _time = TimeProvider.System;
        _logger = logger;
    }

    /// <inheritdoc/>
    public async Task<WebhookInfo> CreateAsync(WebhookSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (string.IsNullOrWhiteSpace(spec.TenantId))
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "tenant_required", "a webhook belongs to a tenant", "tenantId");
        }

        if (spec.SessionId is not null && string.IsNullOrWhiteSpace(spec.SessionId))
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "session_invalid", "sessionId must name a session, or be left out for a tenant-wide webhook", "sessionId");
        }

        var url = WebhookValidation.ParseUrl(spec.Url);
        var events = WebhookEventFilter.Normalize(spec.Events);
        var secret = WebhookValidation.SecretOrGenerate(spec.Secret);
        await PrivateTargetGuard.CheckAsync(url, _options.AllowPrivateTargets, "webhook_target", "url", "webhook targets", CancellationToken.None).ConfigureAwait(true);

        var now = _time.GetUtcNow();
        var row = new WebhookRow
        {
            Id = WebhookConstants.WebhookIdPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(WebhookConstants.WebhookIdBytes)),
            TenantId = spec.TenantId,
            SessionId = spec.SessionId,
            Url = spec.Url,
            UrlNormalized = WebhookValidation.Normalize(url),
            Events = events,
            Secret = secret,
            Enabled = spec.Enabled,
            CreatedAt = now,
            UpdatedAt = now,
        };
        if (!await _table.InsertAsync(row, CancellationToken.None).ConfigureAwait(true))
        {
            throw Duplicate(spec.SessionId);
        }

        _logger.WebhookCreated(row.Id, row.TenantId, row.SessionId);
        return row.ToInfo(showSecret: true);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<WebhookInfo>> ListAsync(string tenantId, string? sessionId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        var rows = await _table.ListAsync(tenantId, sessionId, CancellationToken.None).ConfigureAwait(true);
        return rows.Select(r => r.ToInfo(showSecret: false)).ToList();
    }

    /// <inheritdoc/>
    public async Task<WebhookInfo?> GetAsync(string? tenantId, string webhookId) =>
        (await _table.GetAsync(tenantId, webhookId, CancellationToken.None).ConfigureAwait(true))?.ToInfo(showSecret: false);

    /// <inheritdoc/>
    public async Task<WebhookInfo> UpdateAsync(string? tenantId, string webhookId, WebhookPatch patch)
    {
        ArgumentNullException.ThrowIfNull(patch);
        var row = await RequireAsync(tenantId, webhookId).ConfigureAwait(true);
        var changed = row with { UpdatedAt = _time.GetUtcNow() };
        if (patch.Url is not null)
        {
            var url = WebhookValidation.ParseUrl(patch.Url);
            await PrivateTargetGuard.CheckAsync(url, _options.AllowPrivateTargets, "webhook_target", "url", "webhook targets", CancellationToken.None).ConfigureAwait(true);
            changed = changed with { Url = patch.Url, UrlNormalized = WebhookValidation.Normalize(url) };
        }

        if (patch.Events is not null)
        {
            changed = changed with { Events = WebhookEventFilter.Normalize(patch.Events) };
        }

        if (patch.Secret is not null)
        {
            changed = changed with { Secret = WebhookValidation.SecretOrGenerate(patch.Secret) };
        }

        if (patch.Enabled is { } enabled)
        {
            // Enabling starts afresh: the failure streak and the reason it was disabled go.
            changed = enabled
                ? changed with { Enabled = true, DisabledReason = null, FailingSince = row.Enabled ? row.FailingSince : null }
                : changed with { Enabled = false };
        }

        if (!await _table.UpdateAsync(changed, CancellationToken.None).ConfigureAwait(true))
        {
            // The row was there a moment ago: the new URL clashes, or it was deleted meanwhile.
            if (await _table.GetAsync(tenantId, webhookId, CancellationToken.None).ConfigureAwait(true) is null)
            {
                throw NotFound(webhookId);
            }

            throw Duplicate(row.SessionId);
        }

        if (changed.Enabled && !row.Enabled)
        {
            _signal.Wake();
        }

        return changed.ToInfo(showSecret: patch.Secret is not null);
    }

    /// <inheritdoc/>
    public async Task<bool> DeleteAsync(string? tenantId, string webhookId)
    {
        var deleted = await _table.DeleteAsync(tenantId, webhookId, CancellationToken.None).ConfigureAwait(true);
        if (deleted)
        {
            _logger.WebhookDeleted(webhookId);
        }

        return deleted;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(string? tenantId, string webhookId, int limit)
    {
        if (limit < 1)
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "limit_invalid", "limit must be at least 1", "limit");
        }

        await RequireAsync(tenantId, webhookId).ConfigureAwait(true);
        return await _table.ListDeliveriesAsync(webhookId, null, Math.Min(limit, WebhookConstants.MaxDeliveriesListed), CancellationToken.None).ConfigureAwait(true);
    }

    /// <inheritdoc/>
    public async Task<WebhookDelivery> TestAsync(string? tenantId, string webhookId)
    {
        var row = await RequireAsync(tenantId, webhookId).ConfigureAwait(true);
        RequireEnabled(row);
        var now = _time.GetUtcNow();
        var testEvent = new GatewayEvent
        {
            EventId = "webhook.test:" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(WebhookConstants.WebhookIdBytes)),
            Type = GatewayEventTypes.WebhookTest,
            TenantId = row.TenantId,
            SessionId = row.SessionId,
            Timestamp = now,
            DataJson = JsonSerializer.Serialize(new { webhookId = row.Id, message = "This is a test delivery from WaOrleans." }),
        };

        // Straight into the events table and to this webhook only, not fanned out to the others.
        string deliveryId;
        var connection = await _storage.OpenConnectionAsync().ConfigureAwait(true);
        await using (connection.ConfigureAwait(true))
        {
            var transaction = await _storage.BeginTransactionAsync(connection).ConfigureAwait(true);
            await using (transaction.ConfigureAwait(true))
            {
                await using (var insert = connection.CreateCommand(
                    transaction,
                    "INSERT INTO events (event_id, type, tenant_id, session_id, created_at, data) VALUES (@id, @type, @tenant, @session, @at, @data)")
                    .With("@id", testEvent.EventId)
                    .With("@type", testEvent.Type)
                    .With("@tenant", testEvent.TenantId)
                    .With("@session", Db.OrNull(testEvent.SessionId))
                    .With("@at", now.ToUnixTimeMilliseconds())
                    .With("@data", testEvent.DataJson))
                {
                    await insert.ExecuteNonQueryAsync().ConfigureAwait(true);
                }

                deliveryId = await WebhookOutbox.QueueAsync(connection, transaction, row.Id, testEvent, now, null, CancellationToken.None).ConfigureAwait(true);
                await transaction.CommitAsync().ConfigureAwait(true);
            }
        }

        _signal.Wake();
        return (await _table.ListDeliveriesAsync(row.Id, deliveryId, 1, CancellationToken.None).ConfigureAwait(true))[0];
    }

    /// <inheritdoc/>
    public async Task<WebhookDelivery> RedeliverAsync(string? tenantId, string webhookId, string deliveryId)
    {
        var row = await RequireAsync(tenantId, webhookId).ConfigureAwait(true);
        RequireEnabled(row);
        if (!await _table.RedeliverAsync(webhookId, deliveryId, _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(true))
        {
            throw new GatewayException(GatewayErrorKind.NotFound, "delivery_not_found", $"webhook {webhookId} has no delivery {deliveryId}", "deliveryId");
        }

        _signal.Wake();
        return (await _table.ListDeliveriesAsync(webhookId, deliveryId, 1, CancellationToken.None).ConfigureAwait(true))[0];
    }

    private async Task<WebhookRow> RequireAsync(string? tenantId, string webhookId) =>
        await _table.GetAsync(tenantId, webhookId, CancellationToken.None).ConfigureAwait(true) ?? throw NotFound(webhookId);

    private static void RequireEnabled(WebhookRow row)
    {
        if (!row.Enabled)
        {
            throw new GatewayException(GatewayErrorKind.Conflict, "webhook_disabled", $"webhook {row.Id} is disabled; enable it first", "enabled");
        }
    }

    private static GatewayException NotFound(string webhookId) =>
        new(GatewayErrorKind.NotFound, "webhook_not_found", $"no webhook {webhookId}", "webhookId");

    private static GatewayException Duplicate(string? sessionId) =>
        new(
            GatewayErrorKind.Conflict,
            "webhook_duplicate",
            sessionId is null ? "the tenant already has a tenant-wide webhook with this URL" : $"session {sessionId} already has a webhook with this URL",
            "url");
}

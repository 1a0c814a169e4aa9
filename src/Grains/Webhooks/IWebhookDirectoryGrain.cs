namespace WaOrleans.Grains.Webhooks;

/// <summary>
/// Creates, finds and changes webhooks and their deliveries. Every call names the tenant: a
/// webhook of another tenant is not found. Use key 0.
/// </summary>
[Alias("WaOrleans.IWebhookDirectoryGrain")]
public interface IWebhookDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Creates a webhook; the answer carries its secret (the only time it is shown).</summary>
    /// <exception cref="GatewayException">Bad URL or event name (<c>Invalid</c>, field named), private target not allowed, same URL twice on one session (<c>Conflict</c>).</exception>
    [Alias("CreateAsync")]
    Task<WebhookInfo> CreateAsync(WebhookSpec spec);

    /// <summary>Lists the tenant's webhooks: of one session (<paramref name="sessionId"/>), or all of them when null.</summary>
    [Alias("ListAsync")]
    Task<IReadOnlyList<WebhookInfo>> ListAsync(string tenantId, string? sessionId);

    /// <summary>Gets one webhook, or null when missing or another tenant's. A null tenant means the admin: any webhook.</summary>
    [Alias("GetAsync")]
    Task<WebhookInfo?> GetAsync(string? tenantId, string webhookId);

    /// <summary>Changes a webhook.</summary>
    /// <exception cref="GatewayException">Not found, or a bad value.</exception>
    [Alias("UpdateAsync")]
    Task<WebhookInfo> UpdateAsync(string? tenantId, string webhookId, WebhookPatch patch);

    /// <summary>Deletes a webhook and its pending deliveries; false when not found.</summary>
    [Alias("DeleteAsync")]
    Task<bool> DeleteAsync(string? tenantId, string webhookId);

    /// <summary>Gets a webhook's deliveries, newest first.</summary>
    /// <exception cref="GatewayException">Not found.</exception>
    [Alias("ListDeliveriesAsync")]
    Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(string? tenantId, string webhookId, int limit);

    /// <summary>Queues a <c>webhook.test</c> delivery to this webhook only and returns it.</summary>
    [Alias("TestAsync")]
    Task<WebhookDelivery> TestAsync(string? tenantId, string webhookId);

    /// <summary>Queues a delivery again now, with the same delivery id.</summary>
    /// <exception cref="GatewayException">Webhook or delivery not found.</exception>
    [Alias("RedeliverAsync")]
    Task<WebhookDelivery> RedeliverAsync(string? tenantId, string webhookId, string deliveryId);
}

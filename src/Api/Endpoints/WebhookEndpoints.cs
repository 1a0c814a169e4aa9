using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using WaOrleans.Api.Auth;
using WaOrleans.Api.Contracts;
using WaOrleans.Api.Errors;
using WaOrleans.Grains.Webhooks;

namespace WaOrleans.Api.Endpoints;

/// <summary>Webhooks of a session or of a whole tenant, their deliveries, test and redelivery. Session keys may not manage them.</summary>
public static class WebhookEndpoints
{
    private const int DefaultDeliveries = 50;

    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder api)
    {
        var session = api.MapGroup("/sessions/{id}/webhooks").WithTags("Webhooks");
        session.MapGet("/", ListForSessionAsync).WithName("ListSessionWebhooks").WithSummary("Lists a session's webhooks");
        session.MapPost("/", CreateForSessionAsync).WithName("CreateSessionWebhook").WithSummary("Creates a webhook on a session; the answer carries its secret, shown once");
        var webhooks = api.MapGroup("/webhooks").WithTags("Webhooks");
        webhooks.MapGet("/", ListAsync).WithName("ListWebhooks").WithSummary("Lists the tenant's webhooks (admin: ?tenantId=, default 'default')");
        webhooks.MapPost("/", CreateAsync).WithName("CreateTenantWebhook").WithSummary("Creates a tenant-wide webhook (every session of the tenant)");
        webhooks.MapGet("/{webhookId}", GetAsync).WithName("GetWebhook").WithSummary("Gets a webhook");
        webhooks.MapPatch("/{webhookId}", UpdateAsync).WithName("UpdateWebhook").WithSummary("Changes a webhook's URL, events, secret or enabled flag");
        webhooks.MapDelete("/{webhookId}", DeleteAsync).WithName("DeleteWebhook").WithSummary("Deletes a webhook and its pending deliveries");
        webhooks.MapGet("/{webhookId}/deliveries", DeliveriesAsync).WithName("ListWebhookDeliveries").WithSummary("Lists deliveries with their attempts, newest first");
        webhooks.MapPost("/{webhookId}/test", TestAsync).WithName("TestWebhook").WithSummary("Queues a webhook.test delivery to this webhook");
        webhooks.MapPost("/{webhookId}/deliveries/{deliveryId}/redeliver", RedeliverAsync).WithName("RedeliverWebhook").WithSummary("Queues a delivery again now, with the same delivery id");
        return api;
    }

    private static async Task<Ok<ListResponse<WebhookInfo>>> ListForSessionAsync(string id, Caller caller, IGrainFactory grains)
    {
        var (_, status) = await SessionAccess.RequireAsync(grains, caller, id, lifecycle: true);
        return TypedResults.Ok(new ListResponse<WebhookInfo>(await Directory(grains).ListAsync(status.TenantId, id)));
    }

    private static async Task<Created<WebhookInfo>> CreateForSessionAsync(string id, CreateWebhookBody body, Caller caller, IGrainFactory grains)
    {
        var (_, status) = await SessionAccess.RequireAsync(grains, caller, id, lifecycle: true);
        return await CreateWebhookAsync(grains, Spec(body, status.TenantId, id));
    }

    private static async Task<Ok<ListResponse<WebhookInfo>>> ListAsync(string? tenantId, Caller caller, IGrainFactory grains)
    {
        caller.RequireTenantOrAdmin();
        return TypedResults.Ok(new ListResponse<WebhookInfo>(await Directory(grains).ListAsync(caller.TenantFor(tenantId, "tenantId"), null)));
    }

    private static async Task<Created<WebhookInfo>> CreateAsync(CreateWebhookBody body, Caller caller, IGrainFactory grains)
    {
        caller.RequireTenantOrAdmin();
        return await CreateWebhookAsync(grains, Spec(body, caller.TenantFor(body.TenantId, "tenantId"), null));
    }

    private static async Task<Ok<WebhookInfo>> GetAsync(string webhookId, Caller caller, IGrainFactory grains)
    {
        caller.RequireTenantOrAdmin();
        return TypedResults.Ok(await Directory(grains).GetAsync(caller.TenantScope, webhookId) ?? throw NotFound(webhookId));
    }

    private static async Task<Ok<WebhookInfo>> UpdateAsync(string webhookId, UpdateWebhookBody body, Caller caller, IGrainFactory grains)
    {
        caller.RequireTenantOrAdmin();
        if (body.Url is null && body.Events is null && body.Enabled is null && body.Secret is null)
        {
            throw ApiException.Invalid("empty_patch", "name at least one of 'url', 'events', 'enabled' and 'secret'");
        }

        return TypedResults.Ok(await Directory(grains).UpdateAsync(caller.TenantScope, webhookId, new WebhookPatch
        {
            Url = body.Url,
            Events = body.Events,
            Enabled = body.Enabled,
            Secret = body.Secret,
        }));
    }

    private static async Task<NoContent> DeleteAsync(string webhookId, Caller caller, IGrainFactory grains)
    {
        caller.RequireTenantOrAdmin();
        return await Directory(grains).DeleteAsync(caller.TenantScope, webhookId) ? TypedResults.NoContent() : throw NotFound(webhookId);
    }

    private static async Task<Ok<ListResponse<DeliveryResponse>>> DeliveriesAsync(string webhookId, string? limit, Caller caller, IGrainFactory grains)
    {
        caller.RequireTenantOrAdmin();
        var size = DefaultDeliveries;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > ApiConstants.MaxDeliveries))
        {
            throw ApiException.Invalid("invalid_limit", $"'limit' must be a whole number from 1 to {ApiConstants.MaxDeliveries}", "limit");
        }

        var deliveries = await Directory(grains).ListDeliveriesAsync(caller.TenantScope, webhookId, size);
        return TypedResults.Ok(new ListResponse<DeliveryResponse>([.. deliveries.Select(DeliveryResponse.From)]));
    }

    private static async Task<Accepted<DeliveryResponse>> TestAsync(string webhookId, Caller caller, IGrainFactory grains)
    {
        caller.RequireTenantOrAdmin();
        var delivery = await Directory(grains).TestAsync(caller.TenantScope, webhookId);
        return TypedResults.Accepted((string?)null, DeliveryResponse.From(delivery));
    }

    private static async Task<Accepted<DeliveryResponse>> RedeliverAsync(string webhookId, string deliveryId, Caller caller, IGrainFactory grains)
    {
        caller.RequireTenantOrAdmin();
        var delivery = await Directory(grains).RedeliverAsync(caller.TenantScope, webhookId, deliveryId);
        return TypedResults.Accepted((string?)null, DeliveryResponse.From(delivery));
    }

    private static async Task<Created<WebhookInfo>> CreateWebhookAsync(IGrainFactory grains, WebhookSpec spec)
    {
        var webhook = await Directory(grains).CreateAsync(spec);
        return TypedResults.Created($"{ApiConstants.Prefix}/webhooks/{webhook.Id}", webhook);
    }

    private static WebhookSpec Spec(CreateWebhookBody body, string tenantId, string? sessionId) => new()
    {
        TenantId = tenantId,
        SessionId = sessionId,
        Url = string.IsNullOrWhiteSpace(body.Url) ? throw ApiException.Missing("url") : body.Url,
        Events = body.Events,
        Secret = body.Secret,
        Enabled = body.Enabled ?? true,
    };

    private static IWebhookDirectoryGrain Directory(IGrainFactory grains) => grains.GetGrain<IWebhookDirectoryGrain>(0);

    private static ApiException NotFound(string webhookId) =>
        ApiException.NotFound("webhook_not_found", $"webhook '{(webhookId.Length > 64 ? webhookId[..64] : webhookId)}' does not exist");
}

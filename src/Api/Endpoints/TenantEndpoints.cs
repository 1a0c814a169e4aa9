using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using WaOrleans.Api.Auth;
using WaOrleans.Api.Contracts;
using WaOrleans.Api.Errors;
using WaOrleans.Grains.Messages;
using WaOrleans.Grains.Sessions;
using WaOrleans.Grains.Tenants;

namespace WaOrleans.Api.Endpoints;

/// <summary><c>/api/tenants</c> (admin) and <c>/api/usage</c>: tenants, their quotas and what is used of them.</summary>
public static class TenantEndpoints
{
    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapTenantEndpoints(this IEndpointRouteBuilder api)
    {
        var tenants = api.MapGroup("/tenants").WithTags("Tenants");
        tenants.MapPost("/", CreateAsync).WithName("CreateTenant").WithSummary("Creates a tenant (admin)");
        tenants.MapGet("/", ListAsync).WithName("ListTenants").WithSummary("Lists the tenants (admin)");
        tenants.MapGet("/{tenantId}", GetAsync).WithName("GetTenant").WithSummary("Gets a tenant (admin, or its own tenant key)");
        api.MapGet("/usage", UsageAsync).WithTags("Tenants").WithName("GetUsage")
            .WithSummary("Gets sessions used/allowed and messages sent today/daily limit (a tenant key: its tenant; the admin: ?tenantId=, default 'default')");
        return api;
    }

    private static async Task<Created<TenantInfo>> CreateAsync(CreateTenantBody body, Caller caller, IGrainFactory grains)
    {
        caller.RequireAdmin();
        var tenant = await grains.GetGrain<ITenantDirectoryGrain>(0).CreateTenantAsync(new TenantSpec
        {
            TenantId = body.TenantId ?? throw ApiException.Missing("tenantId"),
            Name = body.Name,
            MaxSessions = body.MaxSessions,
            DailyMessageLimit = body.DailyMessageLimit,
        });
        return TypedResults.Created($"{ApiConstants.Prefix}/tenants/{tenant.TenantId}", tenant);
    }

    private static async Task<Ok<ListResponse<TenantInfo>>> ListAsync(Caller caller, IGrainFactory grains)
    {
        caller.RequireAdmin();
        return TypedResults.Ok(new ListResponse<TenantInfo>(await grains.GetGrain<ITenantDirectoryGrain>(0).ListTenantsAsync()));
    }

    private static async Task<Ok<TenantInfo>> GetAsync(string tenantId, Caller caller, IGrainFactory grains)
    {
        caller.RequireTenantOrAdmin();
        if (caller.TenantScope is { } own && own != tenantId)
        {
            throw ApiException.NotFound("tenant_not_found", $"tenant '{tenantId}' does not exist");
        }

        return TypedResults.Ok(await grains.GetGrain<ITenantDirectoryGrain>(0).GetTenantAsync(tenantId)
            ?? throw ApiException.NotFound("tenant_not_found", $"tenant '{tenantId}' does not exist"));
    }

    private static async Task<Ok<UsageResponse>> UsageAsync(string? tenantId, Caller caller, IGrainFactory grains, TimeProvider time)
    {
        caller.RequireTenantOrAdmin();
        var id = caller.TenantFor(tenantId, "tenantId");
        var tenant = await grains.GetGrain<ITenantDirectoryGrain>(0).GetTenantAsync(id)
            ?? throw new ApiException(404, "tenant_not_found", $"tenant '{id}' does not exist", "tenantId");
        var midnight = new DateTimeOffset(time.GetUtcNow().UtcDateTime.Date, TimeSpan.Zero);
        var sessions = grains.GetGrain<ISessionDirectoryGrain>(0).CountAsync(id);
        var sent = grains.GetGrain<IMessageLogGrain>(0).CountSentAsync(id, null, midnight);
        return TypedResults.Ok(new UsageResponse(id, new QuotaUsage(await sessions, tenant.MaxSessions), new QuotaUsage(await sent, tenant.DailyMessageLimit)));
    }
}

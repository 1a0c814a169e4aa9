using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using WaOrleans.Api.Auth;
using WaOrleans.Api.Contracts;
using WaOrleans.Api.Errors;
using WaOrleans.Grains.Tenants;

namespace WaOrleans.Api.Endpoints;

/// <summary><c>/api/keys</c>: create (shown once), list (prefix only), revoke and rotate API keys.</summary>
public static class KeyEndpoints
{
    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapKeyEndpoints(this IEndpointRouteBuilder api)
    {
        var keys = api.MapGroup("/keys").WithTags("Keys");
        keys.MapGet("/", ListAsync).WithName("ListKeys").WithSummary("Lists keys (prefixes only): the tenant's, or every key for the admin");
        keys.MapPost("/", CreateAsync).WithName("CreateKey").WithSummary("Creates a key; the answer is the only time the key is shown");
        keys.MapDelete("/{keyId}", RevokeAsync).WithName("RevokeKey").WithSummary("Revokes a key at once");
        keys.MapPost("/{keyId}/rotate", RotateAsync).WithName("RotateKey").WithSummary("Creates a replacement key (shown once) and revokes the old one");
        return api;
    }

    private static async Task<Ok<ListResponse<ApiKeyInfo>>> ListAsync(string? tenantId, Caller caller, IGrainFactory grains)
    {
        caller.RequireTenantOrAdmin();
        var scope = caller.IsAdmin && tenantId is null ? null : caller.TenantFor(tenantId, "tenantId");
        return TypedResults.Ok(new ListResponse<ApiKeyInfo>(await grains.GetGrain<ITenantDirectoryGrain>(0).ListKeysAsync(scope)));
    }

    private static async Task<Created<CreatedKeyResponse>> CreateAsync(CreateKeyBody body, Caller caller, IGrainFactory grains)
    {
        caller.RequireTenantOrAdmin();
        var kind = body.Kind ?? throw ApiException.Missing("kind");
        if (kind == ApiKeyKind.Admin)
        {
            caller.RequireAdmin();
        }

        string? tenant = null;
        if (kind == ApiKeyKind.Tenant)
        {
            tenant = caller.TenantFor(body.TenantId, "tenantId");
        }
        else if (kind == ApiKeyKind.Session)
        {
            if (body.SessionId is null)
            {
                throw ApiException.Missing("sessionId");
            }

            // The session decides the tenant; one the caller cannot see is a 404, as everywhere.
            var (_, status) = await SessionAccess.RequireAsync(grains, caller, body.SessionId);
            if (body.TenantId is not null && body.TenantId != status.TenantId)
            {
                throw new ApiException(404, "session_not_found", $"session '{body.SessionId}' does not exist in tenant '{body.TenantId}'", "sessionId");
            }

            tenant = status.TenantId;
        }

        var created = await grains.GetGrain<ITenantDirectoryGrain>(0).CreateKeyAsync(new ApiKeySpec
        {
            Kind = kind,
            TenantId = tenant,
            SessionId = kind == ApiKeyKind.Session ? body.SessionId : null,
            Name = body.Name,
        });
        return TypedResults.Created($"{ApiConstants.Prefix}/keys/{created.Info.Id}", CreatedKeyResponse.From(created));
    }

    private static async Task<NoContent> RevokeAsync(string keyId, Caller caller, IGrainFactory grains)
    {
        caller.RequireTenantOrAdmin();
        return await grains.GetGrain<ITenantDirectoryGrain>(0).RevokeKeyAsync(caller.TenantScope, keyId)
            ? TypedResults.NoContent()
            : throw KeyNotFound(keyId);
    }

    private static async Task<Ok<CreatedKeyResponse>> RotateAsync(string keyId, Caller caller, IGrainFactory grains)
    {
        caller.RequireTenantOrAdmin();
        var created = await grains.GetGrain<ITenantDirectoryGrain>(0).RotateKeyAsync(caller.TenantScope, keyId) ?? throw KeyNotFound(keyId);
        return TypedResults.Ok(CreatedKeyResponse.From(created));
    }

    private static ApiException KeyNotFound(string keyId) =>
        ApiException.NotFound("key_not_found", $"key '{(keyId.Length > 64 ? keyId[..64] : keyId)}' does not exist or is revoked");
}

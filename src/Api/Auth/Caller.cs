using System.Reflection;
using Microsoft.AspNetCore.Http;
using WaOrleans.Api.Errors;
using WaOrleans.Grains.Tenants;

namespace WaOrleans.Api.Auth;

/// <summary>
/// Who is calling, bound into handlers from the authenticated key: the admin (every tenant), a
/// tenant key (one tenant) or a session key (one session).
/// </summary>
/// <param name="Principal">The checked key's principal.</param>
public sealed record Caller(ApiPrincipal Principal)
{
    /// <summary>Gets whether the key is the admin's.</summary>
    public bool IsAdmin => Principal.Kind == ApiKeyKind.Admin;

    /// <summary>Gets whether the key is a session key.</summary>
    public bool IsSessionKey => Principal.Kind == ApiKeyKind.Session;

    /// <summary>Gets the tenant the caller is limited to, or null for the admin.</summary>
    public string? TenantScope => IsAdmin ? null : Principal.TenantId;

    /// <summary>Binds the caller from the request (set by <see cref="ApiKeyAuthenticationHandler"/>).</summary>
    public static ValueTask<Caller?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ValueTask.FromResult<Caller?>(context.Items[typeof(Caller)] as Caller
            ?? throw new ApiException(401, "unauthorized", "an API key is required"));
    }

    /// <summary>Refuses session keys: the route manages a tenant's resources.</summary>
    public void RequireTenantOrAdmin()
    {
        if (IsSessionKey)
        {
            throw ApiException.Forbidden("a session key can only send and read for its session; use a tenant or admin key");
        }
    }

    /// <summary>Refuses everything but the admin key.</summary>
    public void RequireAdmin()
    {
        if (!IsAdmin)
        {
            throw ApiException.Forbidden("only the admin key may do this");
        }
    }

    /// <summary>
    /// Gets the tenant a new resource goes to: the caller's own, or for the admin the one asked for
    /// (the default tenant when none is). A tenant key naming another tenant is refused as unknown.
    /// </summary>
    public string TenantFor(string? requested, string field)
    {
        if (IsAdmin)
        {
            if (requested is null)
            {
                return TenantConstants.DefaultTenant;
            }

            TenantRules.ValidateTenantId(requested, field);
            return requested;
        }

        if (requested is not null && requested != Principal.TenantId)
        {
            throw new ApiException(404, "tenant_not_found", $"tenant '{requested}' does not exist", field);
        }

        return Principal.TenantId!;
    }
}

using WaOrleans.Grains.Tenants;

namespace WaOrleans.Api.Contracts;

/// <summary>Body of <c>POST /api/tenants</c>.</summary>
/// <param name="TenantId">The id: lower-case letters, digits, <c>-</c>, <c>_</c>.</param>
/// <param name="Name">The display name.</param>
/// <param name="MaxSessions">The session quota; leave out for unlimited.</param>
/// <param name="DailyMessageLimit">Messages per UTC day; leave out for unlimited.</param>
public sealed record CreateTenantBody(string? TenantId, string? Name, int? MaxSessions, int? DailyMessageLimit);

/// <summary>Body of <c>POST /api/keys</c>.</summary>
/// <param name="Kind"><c>tenant</c>, <c>session</c> or (admin only) <c>admin</c>.</param>
/// <param name="TenantId">The tenant (admin only; a tenant key creates keys of its own tenant).</param>
/// <param name="SessionId">The session of a session key.</param>
/// <param name="Name">A name to tell the key apart.</param>
public sealed record CreateKeyBody(ApiKeyKind? Kind, string? TenantId, string? SessionId, string? Name);

/// <summary>A key just created or rotated: <see cref="Key"/> is shown this once.</summary>
/// <param name="Key">The key (<c>wao_…</c>); store it now.</param>
/// <param name="Id">The key id.</param>
/// <param name="Kind">What the key may do.</param>
/// <param name="TenantId">The tenant.</param>
/// <param name="SessionId">The session of a session key.</param>
/// <param name="Name">The name.</param>
/// <param name="Prefix">The first characters, as lists show them.</param>
/// <param name="CreatedAt">When it was created.</param>
public sealed record CreatedKeyResponse(string Key, string Id, ApiKeyKind Kind, string? TenantId, string? SessionId, string? Name, string Prefix, DateTimeOffset CreatedAt)
{
    /// <summary>Creates the answer from the grain's result.</summary>
    public static CreatedKeyResponse From(CreatedApiKey created)
    {
        ArgumentNullException.ThrowIfNull(created);
        var i = created.Info;
        return new(created.Key, i.Id, i.Kind, i.TenantId, i.SessionId, i.Name, i.Prefix, i.CreatedAt);
    }

    /// <summary>Describes the key without the secret.</summary>
    public override string ToString() => $"CreatedKeyResponse({Id}, {Kind}, {Prefix}…)";
}

/// <summary>Usage against quotas, for <c>GET /api/usage</c>.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="Sessions">Sessions used and allowed.</param>
/// <param name="MessagesToday">Messages sent since midnight UTC and the daily limit.</param>
public sealed record UsageResponse(string TenantId, QuotaUsage Sessions, QuotaUsage MessagesToday);

/// <summary>One quota.</summary>
/// <param name="Used">How much is used.</param>
/// <param name="Allowed">The limit, or null for unlimited.</param>
public sealed record QuotaUsage(long Used, long? Allowed);

namespace WaOrleans.Grains.Tenants;

/// <summary>A tenant: a customer of the gateway owning sessions, webhooks and keys, with its quotas.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.TenantInfo")]
public sealed record TenantInfo
{
    /// <summary>Gets the tenant id.</summary>
    [Id(0)] public required string TenantId { get; init; }

    /// <summary>Gets the display name.</summary>
    [Id(1)] public required string Name { get; init; }

    /// <summary>Gets how many sessions the tenant may have, or null for unlimited.</summary>
    [Id(2)] public int? MaxSessions { get; init; }

    /// <summary>Gets how many messages the tenant may send per UTC day, or null for unlimited.</summary>
    [Id(3)] public int? DailyMessageLimit { get; init; }

    /// <summary>Gets when it was created.</summary>
    [Id(4)] public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A tenant to create.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.TenantSpec")]
public sealed record TenantSpec
{
    /// <summary>Gets the tenant id: lower-case letters, digits, <c>-</c> and <c>_</c>, 1 to 64 characters.</summary>
    [Id(0)] public required string TenantId { get; init; }

    /// <summary>Gets the display name (the id when null).</summary>
    [Id(1)] public string? Name { get; init; }

    /// <summary>Gets the session quota, or null for unlimited.</summary>
    [Id(2)] public int? MaxSessions { get; init; }

    /// <summary>Gets the daily message limit, or null for unlimited.</summary>
    [Id(3)] public int? DailyMessageLimit { get; init; }
}

/// <summary>What an API key may do (DESIGN.md "REST API").</summary>
[GenerateSerializer, Alias("WaOrleans.ApiKeyKind")]
public enum ApiKeyKind
{
    /// <summary>Everything, for every tenant.</summary>
    Admin,

    /// <summary>The sessions, webhooks and keys of one tenant.</summary>
    Tenant,

    /// <summary>Sending and reading for one session.</summary>
    Session,
}

/// <summary>An API key as lists show it: never the key itself, only its first characters.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.ApiKeyInfo")]
public sealed record ApiKeyInfo
{
    /// <summary>Gets the key id (<c>key_…</c>), used to revoke or rotate it.</summary>
    [Id(0)] public required string Id { get; init; }

    /// <summary>Gets what the key may do.</summary>
    [Id(1)] public required ApiKeyKind Kind { get; init; }

    /// <summary>Gets the tenant of a tenant or session key.</summary>
    [Id(2)] public string? TenantId { get; init; }

    /// <summary>Gets the session of a session key.</summary>
    [Id(3)] public string? SessionId { get; init; }

    /// <summary>Gets the name given at creation.</summary>
    [Id(4)] public string? Name { get; init; }

    /// <summary>Gets the first characters of the key, to tell keys apart.</summary>
    [Id(5)] public required string Prefix { get; init; }

    /// <summary>Gets when it was created.</summary>
    [Id(6)] public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when it was last used (updated at most once a minute).</summary>
    [Id(7)] public DateTimeOffset? LastUsedAt { get; init; }

    /// <summary>Gets when it was revoked, if it was.</summary>
    [Id(8)] public DateTimeOffset? RevokedAt { get; init; }
}

/// <summary>A key just created or rotated: the only time the key itself is shown.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.CreatedApiKey")]
public sealed record CreatedApiKey
{
    /// <summary>Gets the key's description.</summary>
    [Id(0)] public required ApiKeyInfo Info { get; init; }

    /// <summary>Gets the key (<c>wao_…</c>); store it now, it cannot be shown again.</summary>
    [Id(1)] public required string Key { get; init; }

    /// <summary>Describes the key without the secret.</summary>
    public override string ToString() => $"CreatedApiKey({Info.Id}, {Info.Kind}, {Info.Prefix}…)";
}

/// <summary>A key to create.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.ApiKeySpec")]
public sealed record ApiKeySpec
{
    /// <summary>Gets what the key may do.</summary>
    [Id(0)] public required ApiKeyKind Kind { get; init; }

    /// <summary>Gets the tenant (tenant and session keys).</summary>
    [Id(1)] public string? TenantId { get; init; }

    /// <summary>Gets the session (session keys); it must belong to <see cref="TenantId"/>.</summary>
    [Id(2)] public string? SessionId { get; init; }

    /// <summary>Gets a name to tell the key apart.</summary>
    [Id(3)] public string? Name { get; init; }
}

/// <summary>Who a request is from, once its key is checked.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.ApiPrincipal")]
public sealed record ApiPrincipal
{
    /// <summary>Gets the key id.</summary>
    [Id(0)] public required string KeyId { get; init; }

    /// <summary>Gets what the key may do.</summary>
    [Id(1)] public required ApiKeyKind Kind { get; init; }

    /// <summary>Gets the tenant of a tenant or session key; null for the admin.</summary>
    [Id(2)] public string? TenantId { get; init; }

    /// <summary>Gets the session of a session key.</summary>
    [Id(3)] public string? SessionId { get; init; }
}

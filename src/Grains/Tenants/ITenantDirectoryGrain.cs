namespace WaOrleans.Grains.Tenants;

/// <summary>
/// Creates and lists tenants and API keys, straight from the database. Use key 0; a stateless
/// worker, so every silo answers locally. Callers have already checked that the caller may act
/// on the tenant: a null <c>tenantId</c> means the admin (any tenant).
/// </summary>
[Alias("WaOrleans.ITenantDirectoryGrain")]
public interface ITenantDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Creates a tenant.</summary>
    /// <exception cref="GatewayException">A bad id or limit (<c>Invalid</c>), the id is taken (<c>Conflict</c>).</exception>
    [Alias("CreateTenantAsync")]
    Task<TenantInfo> CreateTenantAsync(TenantSpec spec);

    /// <summary>Lists the tenants by id.</summary>
    [Alias("ListTenantsAsync")]
    Task<IReadOnlyList<TenantInfo>> ListTenantsAsync();

    /// <summary>Gets one tenant, or null.</summary>
    [Alias("GetTenantAsync")]
    Task<TenantInfo?> GetTenantAsync(string tenantId);

    /// <summary>Creates a key; the answer carries the key, the only time it is shown.</summary>
    /// <exception cref="GatewayException">The tenant does not exist (<c>NotFound</c>), a member the kind needs is missing (<c>Invalid</c>).</exception>
    [Alias("CreateKeyAsync")]
    Task<CreatedApiKey> CreateKeyAsync(ApiKeySpec spec);

    /// <summary>Lists the keys of a tenant, or every key when <paramref name="tenantId"/> is null, newest first.</summary>
    [Alias("ListKeysAsync")]
    Task<IReadOnlyList<ApiKeyInfo>> ListKeysAsync(string? tenantId);

    /// <summary>Revokes a key at once (cached principals are dropped); false when not found or another tenant's.</summary>
    /// <exception cref="GatewayException">The key is the configured admin key (<c>Conflict</c>).</exception>
    [Alias("RevokeKeyAsync")]
    Task<bool> RevokeKeyAsync(string? tenantId, string keyId);

    /// <summary>Creates a key like the given one and revokes the old one; null when not found, revoked or another tenant's.</summary>
    /// <exception cref="GatewayException">The key is the configured admin key (<c>Conflict</c>).</exception>
    [Alias("RotateKeyAsync")]
    Task<CreatedApiKey?> RotateKeyAsync(string? tenantId, string keyId);

    /// <summary>
    /// Makes sure an admin key exists at startup. With a configured key (its SHA-256 and prefix),
    /// stores it as the configuration's admin key (replacing an older configured one). Without
    /// one, generates a key when no admin key exists and returns it, for the caller to show once;
    /// returns null when nothing was generated.
    /// </summary>
    [Alias("EnsureAdminKeyAsync")]
    Task<string?> EnsureAdminKeyAsync(string? configuredHash, string? configuredPrefix);

    /// <summary>Runs a trivial query, so a readiness probe knows the database answers.</summary>
    [Alias("CheckDatabaseAsync")]
    Task CheckDatabaseAsync();
}

/// <summary>
/// One API key, keyed by the hex SHA-256 of the key: caches who the key belongs to, so a request
/// costs no database read, until the key is revoked or rotated.
/// </summary>
[Alias("WaOrleans.IApiKeyGrain")]
public interface IApiKeyGrain : IGrainWithStringKey
{
    /// <summary>Gets who the key belongs to, or null when it is unknown or revoked.</summary>
    [Alias("AuthenticateAsync"), Orleans.Concurrency.ReadOnly]
    Task<ApiPrincipal?> AuthenticateAsync();

    /// <summary>Drops the cached principal; the next request reads the database again.</summary>
    [Alias("InvalidateAsync")]
    Task InvalidateAsync();
}

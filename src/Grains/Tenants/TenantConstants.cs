namespace WaOrleans.Grains.Tenants;

/// <summary>The fixed values of tenants and API keys, each with the reason for its value.</summary>
public static class TenantConstants
{
    /// <summary>The start of every generated key, so secret scanners and people recognise one.</summary>
    public const string KeyPrefix = "wao_";

    /// <summary>Random bytes in a key: 256 bits, beyond any guessing, which is why a fast hash is enough.</summary>
    public const int KeyRandomBytes = 32;

    /// <summary>Characters of a key shown in lists: the <c>wao_</c> marker and 8 more, 48 bits, enough to tell keys apart and useless to guess the rest.</summary>
    public const int ShownPrefixLength = 12;

    /// <summary>Random bytes in a key id: ids are not secrets, 8 bytes only keep them unique.</summary>
    public const int IdRandomBytes = 8;

    /// <summary>The prefix of key ids.</summary>
    public const string KeyIdPrefix = "key_";

    /// <summary>The id of the admin key taken from configuration (<c>WaOrleans:AdminKey</c>): one row, replaced when the configured key changes.</summary>
    public const string ConfiguredAdminKeyId = "key_admin_config";

    /// <summary>The id of the admin key generated at first start; fixed, so silos starting together generate one.</summary>
    public const string GeneratedAdminKeyId = "key_admin";

    /// <summary>The longest tenant id: long enough for a slug or a UUID, short enough for logs and URLs.</summary>
    public const int MaxTenantIdLength = 64;

    /// <summary>The longest name of a tenant or key.</summary>
    public const int MaxNameLength = 200;

    /// <summary>
    /// How often a key's <c>last_used_at</c> is written: once a minute tells an operator whether a
    /// key is in use without a database write per request.
    /// </summary>
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    /// <summary>The tenant of sessions created without one.</summary>
    public const string DefaultTenant = "default";
}

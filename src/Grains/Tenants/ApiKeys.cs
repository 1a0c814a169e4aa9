using System.Security.Cryptography;
using System.Text;

namespace WaOrleans.Grains.Tenants;

/// <summary>How API keys look and how they are stored: <c>wao_</c> plus 32 random bytes in base64url, kept as their SHA-256.</summary>
public static class ApiKeys
{
    /// <summary>Generates a new key.</summary>
    public static string Generate() =>
        TenantConstants.KeyPrefix + Base64Url(RandomNumberGenerator.GetBytes(TenantConstants.KeyRandomBytes));

    /// <summary>Gets the stored form of a key: its SHA-256 in lower-case hex (a fast hash suits a high-entropy key).</summary>
    public static string Hash(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    /// <summary>Gets the first characters of a key, shown in lists to tell keys apart.</summary>
    public static string PrefixOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key[..Math.Min(key.Length, TenantConstants.ShownPrefixLength)];
    }

    /// <summary>Generates an opaque id with a type prefix (<c>key_…</c>).</summary>
    public static string NewId(string prefix) =>
        prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(TenantConstants.IdRandomBytes));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

namespace WaOrleans.Grains.Tenants;

/// <summary>The checks on tenant and key values, raising <see cref="GatewayException"/>s that name the field.</summary>
public static class TenantRules
{
    /// <summary>Checks a tenant id: 1 to 64 lower-case letters, digits, <c>-</c> or <c>_</c>, starting with a letter or digit.</summary>
    public static void ValidateTenantId(string? tenantId, string field)
    {
        if (string.IsNullOrEmpty(tenantId))
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "missing_field", $"{field} is required", field);
        }

        if (tenantId.Length > TenantConstants.MaxTenantIdLength
            || !char.IsAsciiLetterLower(tenantId[0]) && !char.IsAsciiDigit(tenantId[0])
            || !tenantId.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_'))
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "invalid_tenant_id",
                $"{field} must be 1 to {TenantConstants.MaxTenantIdLength} lower-case letters, digits, '-' or '_', starting with a letter or digit", field);
        }
    }

    /// <summary>Checks an optional name's length.</summary>
    public static void ValidateName(string? name, string field)
    {
        if (name is not null && (name.Length > TenantConstants.MaxNameLength || string.IsNullOrWhiteSpace(name)))
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "invalid_name", $"{field} must be 1 to {TenantConstants.MaxNameLength} characters, not blank", field);
        }
    }

    /// <summary>Checks an optional limit is not negative.</summary>
    public static void ValidateLimit(int? limit, string field)
    {
        if (limit is < 0)
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "invalid_limit", $"{field} must be 0 or more (leave it out for unlimited)", field);
        }
    }
}

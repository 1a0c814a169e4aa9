using WaOrleans.Api.Errors;

namespace WaOrleans.Api.Validation;

/// <summary>
/// Reads recipients as DESIGN.md accepts them: <c>+1 555 123 4567</c>, <c>15551234567</c>, or a full
/// JID (<c>…@s.whatsapp.net</c>, <c>…@g.us</c>, <c>…@lid</c>); anything else is a 400 that says why.
/// </summary>
public static class Recipients
{
    /// <summary>The fewest digits of a number with its country code (some countries have 7-digit numbers with a 1-digit code... and shorter national plans).</summary>
    private const int MinDigits = 6;

    /// <summary>The most digits E.164 allows.</summary>
    private const int MaxDigits = 15;

    /// <summary>The longest JID accepted.</summary>
    private const int MaxJidLength = 100;

    /// <summary>Gets the number as digits, or the JID in lower case; throws a 400 naming <paramref name="field"/>.</summary>
    public static string Normalize(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw ApiException.Missing(field);
        }

        value = value.Trim();
        var at = value.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            var user = value[..at];
            var server = value[(at + 1)..].ToLowerInvariant();
            var ok = value.Length <= MaxJidLength && user.Length > 0 && server switch
            {
                "s.whatsapp.net" or "c.us" => user.All(char.IsAsciiDigit),
                "lid" => user.All(char.IsAsciiDigit),
                "g.us" => user.All(c => char.IsAsciiDigit(c) || c == '-'),
                _ => false,
            };
            return ok
                ? (server == "c.us" ? user + "@s.whatsapp.net" : user + "@" + server)
                : throw Invalid(field);
        }

        var digits = new System.Text.StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsAsciiDigit(c))
            {
                digits.Append(c);
            }
            else if (!(c is ' ' or '-' or '(' or ')' or '.' || c == '+' && i == 0))
            {
                throw Invalid(field);
            }
        }

        return digits.Length is < MinDigits or > MaxDigits || digits[0] == '0'
            ? throw Invalid(field)
            : digits.ToString();
    }

    /// <summary>Gets a phone number as digits (no JIDs), as a pairing code needs.</summary>
    public static string NormalizePhone(string? value, string field)
    {
        var normalized = Normalize(value, field);
        return normalized.Contains('@', StringComparison.Ordinal)
            ? throw ApiException.Invalid("invalid_phone", $"'{field}' must be a phone number in international format, not a JID", field)
            : normalized;
    }

    private static ApiException Invalid(string field) => ApiException.Invalid(
        "invalid_phone",
        $"'{field}' must be a phone number in international format (+1 555 123 4567 or 15551234567: 6 to 15 digits with the country code) or a JID (…@s.whatsapp.net, …@g.us, …@lid)",
        field);
}

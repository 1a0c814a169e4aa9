using WaOrleans.Protocol.Binary;

namespace WaOrleans.Grains.Sessions;

/// <summary>
/// Parses the recipients the API accepts (DESIGN.md "REST API"): <c>+1 555 123 4567</c>,
/// <c>15551234567</c>, or a full user, group or LID JID. Anything else is a typed 400 that says why.
/// </summary>
internal static class Recipients
{
    /// <summary>The shortest number accepted: real E.164 numbers have at least 7 digits with their country code.</summary>
    private const int MinPhoneDigits = 7;

    /// <summary>The longest number E.164 allows.</summary>
    private const int MaxPhoneDigits = 15;

    /// <summary>Parses a recipient into the chat JID to send to.</summary>
    /// <exception cref="GatewayException">Not a number or a user, group or LID JID (<c>invalid_recipient</c>).</exception>
    public static Jid Parse(string? value, string field = "to")
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw Invalid(field, "a recipient is required");
        }

        var text = value.Trim();
        if (text.Contains('@', StringComparison.Ordinal))
        {
            if (Jid.TryParse(text, out var jid) && jid.User.Length > 0 && (jid.IsPhoneNumber || jid.IsGroup || jid.IsLid))
            {
                if (jid.IsPhoneNumber && !IsPhoneNumber(jid.User))
                {
                    throw Invalid(field, $"'{text}' is not a phone number JID: the user part must be {MinPhoneDigits} to {MaxPhoneDigits} digits");
                }

                return jid.WithoutDevice();
            }

            throw Invalid(field, $"'{text}' is not a user (…@s.whatsapp.net), group (…@g.us) or LID (…@lid) JID");
        }

        var digits = Digits(text) ?? throw Invalid(field,
            $"'{text}' is not a phone number: use international digits such as 15551234567 or +1 555 123 4567, or a JID");
        return new Jid(digits, JidServer.PhoneNumber);
    }

    /// <summary>Normalizes a phone number to its digits; null when it is not one.</summary>
    public static string? Digits(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Trim();
        if (text.StartsWith('+'))
        {
            text = text[1..];
        }

        // Spaces, dashes, dots and parentheses are how people write numbers; nothing else is allowed.
        var digits = new string([.. text.Where(c => c is not (' ' or '-' or '.' or '(' or ')'))]);
        return IsPhoneNumber(digits) ? digits : null;
    }

    private static bool IsPhoneNumber(string digits) =>
        digits.Length is >= MinPhoneDigits and <= MaxPhoneDigits && digits.All(char.IsAsciiDigit) && digits[0] != '0';

    private static GatewayException Invalid(string field, string message) =>
        new(GatewayErrorKind.Invalid, "invalid_recipient", message, field);
}

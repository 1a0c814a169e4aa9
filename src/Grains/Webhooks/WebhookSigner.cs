using System.Security.Cryptography;
using System.Text;

namespace WaOrleans.Grains.Webhooks;

/// <summary>
/// Signs deliveries both ways DESIGN.md names, with one key: the bytes of the secret, that is the
/// base64 after <c>whsec_</c> decoded (Standard Webhooks' key derivation). <c>webhook-signature</c>
/// is <c>v1,</c> and the base64 HMAC-SHA256 of <c>{id}.{timestamp}.{body}</c>;
/// <c>X-WaOrleans-Signature</c> is <c>sha256=</c> and the lower-case hex HMAC-SHA256 of the body alone.
/// </summary>
internal static class WebhookSigner
{
    /// <summary>Decodes the key bytes of a <c>whsec_…</c> secret, or null when it is not one.</summary>
    public static byte[]? TryDecodeKey(string secret)
    {
        if (!secret.StartsWith(WebhookConstants.SecretPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            return Convert.FromBase64String(secret[WebhookConstants.SecretPrefix.Length..]);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Gets the <c>webhook-signature</c> header value.</summary>
    public static string StandardSignature(byte[] key, string deliveryId, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(FormattableString.Invariant($"{deliveryId}.{timestamp}."));
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
    }

    /// <summary>Gets the <c>X-WaOrleans-Signature</c> header value.</summary>
    public static string BodySignature(byte[] key, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, body));
}

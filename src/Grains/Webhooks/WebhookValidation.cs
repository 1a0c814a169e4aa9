using System.Security.Cryptography;

namespace WaOrleans.Grains.Webhooks;

/// <summary>The checks DESIGN.md "Webhooks" puts on a webhook's URL and secret, each failing with a typed error naming the field.</summary>
internal static class WebhookValidation
{
    /// <summary>Parses a target URL: absolute http(s), a host, no fragment, at most 2048 characters.</summary>
    /// <exception cref="GatewayException">The URL breaks one of the rules.</exception>
    public static Uri ParseUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            throw Invalid("webhook_url_invalid", "url is required");
        }

        if (url.Length > WebhookConstants.MaxUrlLength)
        {
            throw Invalid("webhook_url_too_long", $"url is {url.Length} characters; at most {WebhookConstants.MaxUrlLength} are allowed");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0)
        {
            throw Invalid("webhook_url_invalid", "url must be an absolute http:// or https:// URL with a host");
        }

        if (url.Contains('#', StringComparison.Ordinal))
        {
            throw Invalid("webhook_url_invalid", "url must not have a fragment (#…): it is never sent to the server");
        }

        return uri;
    }

    /// <summary>
    /// Gets the form two URLs are compared in: lower-case scheme and host, no default port, an
    /// empty path as "/"; path and query stay as written, because servers may tell them apart.
    /// </summary>
    public static string Normalize(Uri url) => url.AbsoluteUri;

    /// <summary>Checks a given secret, or generates one when null: <c>whsec_</c> and the base64 of 24 to 64 key bytes.</summary>
    /// <exception cref="GatewayException">The secret is not of that form.</exception>
    public static string SecretOrGenerate(string? secret)
    {
        if (secret is null)
        {
            return WebhookConstants.SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(WebhookConstants.GeneratedSecretBytes));
        }

        // The message never echoes the value: a secret must not reach logs or error pages.
        var key = WebhookSigner.TryDecodeKey(secret);
        if (key is null || key.Length < WebhookConstants.MinSecretBytes || key.Length > WebhookConstants.MaxSecretBytes)
        {
            throw new GatewayException(
                GatewayErrorKind.Invalid,
                "webhook_secret_invalid",
                $"secret must be '{WebhookConstants.SecretPrefix}' followed by the base64 of {WebhookConstants.MinSecretBytes} to {WebhookConstants.MaxSecretBytes} random bytes (Standard Webhooks), or left out to have one generated",
                "secret");
        }

        return secret;
    }

    private static GatewayException Invalid(string code, string message) => new(GatewayErrorKind.Invalid, code, message, "url");
}

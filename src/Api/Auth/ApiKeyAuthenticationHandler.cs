using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WaOrleans.Api.Errors;
using WaOrleans.Grains.Hosting;
using WaOrleans.Grains.Tenants;

namespace WaOrleans.Api.Auth;

/// <summary>
/// Checks the key of a request (<c>Authorization: Bearer</c>, <c>X-API-Key</c>, or the password of
/// <c>Basic</c> for browsers opening the Orleans dashboard) by its hash, through the key's grain
/// cache. Refusals are the API's error shape: 401 with <c>WWW-Authenticate</c>, 403.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IGrainFactory grains)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string FailureItem = "waorleans.auth.failure";

    /// <summary>The claim type carrying the key kind (<c>admin</c>, <c>tenant</c>, <c>session</c>).</summary>
    public const string KindClaim = "waorleans:kind";

    /// <inheritdoc/>
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (ReadKey() is not { } key)
        {
            return AuthenticateResult.NoResult();
        }

        if (key.Length is 0 or > ApiConstants.MaxKeyLength)
        {
            return Fail("the API key is malformed");
        }

        var principal = await grains.GetGrainByKey<IApiKeyGrain>(ApiKeys.Hash(key)).AuthenticateAsync();
        if (principal is null)
        {
            Logger.KeyRejected(Request.Method, Request.Path, "unknown or revoked");
            return Fail("the API key is unknown or revoked");
        }

        Context.Items[typeof(Caller)] = new Caller(principal);
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, principal.KeyId),
                new Claim(KindClaim, principal.Kind.ToString().ToLowerInvariant()),
            ],
            ApiConstants.Scheme);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), ApiConstants.Scheme));
    }

    /// <inheritdoc/>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = Context.Items[FailureItem] as string;
        Response.Headers.WWWAuthenticate = Request.Path.StartsWithSegments(ApiConstants.Prefix)
            ? $"Bearer realm=\"WaOrleans\", error=\"invalid_token\""
            : "Basic realm=\"WaOrleans (user: admin, password: the admin key)\", charset=\"UTF-8\"";
        return ErrorHandling.WriteAsync(Context, new ApiError
        {
            Status = 401,
            Code = failure is null ? "unauthorized" : "invalid_key",
            Message = failure ?? $"an API key is required: send 'Authorization: Bearer <key>' or '{ApiConstants.ApiKeyHeader}: <key>'",
        });
    }

    /// <inheritdoc/>
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ErrorHandling.WriteAsync(Context, new ApiError { Status = 403, Code = "forbidden", Message = "this key may not use this route" });

    private AuthenticateResult Fail(string reason)
    {
        Context.Items[FailureItem] = reason;
        return AuthenticateResult.Fail(reason);
    }

    private string? ReadKey()
    {
        if (Request.Headers[ApiConstants.ApiKeyHeader] is { Count: > 0 } header)
        {
            return header[0]?.Trim();
        }

        var authorization = Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }

        if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            var buffer = new byte[authorization.Length];
            if (!Convert.TryFromBase64String(authorization["Basic ".Length..].Trim(), buffer, out var written))
            {
                return "";
            }

            var pair = Encoding.UTF8.GetString(buffer, 0, written);
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? "" : pair[(colon + 1)..];
        }

        return authorization.Length > 0 ? "" : null;
    }
}

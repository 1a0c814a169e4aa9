using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using WaOrleans.Api.Errors;
using WaOrleans.Grains.Tenants;

namespace WaOrleans.Api.Dashboard;

/// <summary>
/// The dashboard: a static page (<c>/</c>, <c>/dashboard/app.js</c>, <c>/dashboard/app.css</c>)
/// embedded in this assembly, so users need no build step and no CDN; it talks to the REST API
/// with the key the user signs in with. <c>POST /api/dashboard/login</c> trades the configured
/// user and password (<c>WaOrleans:Dashboard:User</c>/<c>Password</c>) for an admin key.
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>The configuration section of the dashboard sign-in.</summary>
    public const string Section = "WaOrleans:Dashboard";

    // Scripts, styles and connections only from this origin; QR codes are data: images. No inline
    // script is allowed, so text that reaches the page (message bodies, names) cannot run.
    private const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; connect-src 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private static readonly FrozenDictionary<string, (string Resource, string ContentType)> Files = new Dictionary<string, (string, string)>
    {
        ["/"] = ("index.html", "text/html; charset=utf-8"),
        ["/dashboard/app.js"] = ("app.js", "text/javascript; charset=utf-8"),
        ["/dashboard/app.css"] = ("app.css", "text/css; charset=utf-8"),
    }.ToFrozenDictionary();

    /// <summary>Maps the page, its assets and the password sign-in.</summary>
    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        foreach (var (path, (resource, contentType)) in Files)
        {
            var file = DashboardFile.Load(resource, contentType);
            app.MapGet(path, (HttpContext context) => file.Serve(context, ContentSecurityPolicy))
                .AllowAnonymous()
                .ExcludeFromDescription();
        }

        app.MapPost(ApiConstants.Prefix + "/dashboard/login", LoginAsync)
            .AllowAnonymous()
            .WithTags("Dashboard")
            .WithName("DashboardLogin")
            .WithSummary("Trades the configured dashboard user and password for a new admin key (revoke it to sign out)");
        return app;
    }

    private static async Task<Ok<DashboardLoginResponse>> LoginAsync(
        DashboardLoginBody body, IConfiguration configuration, IGrainFactory grains, ILoggerFactory loggers)
    {
        var settings = configuration.GetSection(Section);
        if (settings["User"] is not { Length: > 0 } user || settings["Password"] is not { Length: > 0 } password)
        {
            throw ApiException.NotFound("dashboard_login_disabled",
                "password sign-in is off: set WaOrleans:Dashboard:User and WaOrleans:Dashboard:Password, or sign in with an API key");
        }

        if (string.IsNullOrEmpty(body.User) || string.IsNullOrEmpty(body.Password) || !SameSecret(body.User, user) | !SameSecret(body.Password, password))
        {
            loggers.CreateLogger(typeof(DashboardEndpoints)).DashboardLoginRejected();
            // A fixed pause makes guessing slow without keeping state per client.
            await Task.Delay(DashboardConstants.FailedLoginDelay);
            throw new ApiException(401, "invalid_login", "wrong user or password");
        }

        var created = await grains.GetGrain<ITenantDirectoryGrain>(0).CreateKeyAsync(new ApiKeySpec
        {
            Kind = ApiKeyKind.Admin,
            Name = DashboardConstants.LoginKeyName + user,
        });
        return TypedResults.Ok(new DashboardLoginResponse(created.Key, created.Info.Id));
    }

    // Hashing first gives equal lengths, so the comparison time does not tell the length either.
    private static bool SameSecret(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}

/// <summary>Body of <c>POST /api/dashboard/login</c>.</summary>
/// <param name="User">The configured dashboard user.</param>
/// <param name="Password">The configured dashboard password.</param>
public sealed record DashboardLoginBody(string? User, string? Password)
{
    /// <summary>Describes the body without the password.</summary>
    public override string ToString() => $"DashboardLoginBody({User})";
}

/// <summary>Answer of a dashboard sign-in: an admin key, shown this once.</summary>
/// <param name="Token">The admin key to send as <c>Authorization: Bearer</c>.</param>
/// <param name="KeyId">The key's id; revoking it (<c>DELETE /api/keys/{id}</c>) signs out.</param>
public sealed record DashboardLoginResponse(string Token, string KeyId)
{
    /// <summary>Describes the answer without the key.</summary>
    public override string ToString() => $"DashboardLoginResponse({KeyId})";
}

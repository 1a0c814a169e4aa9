using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;
using Scalar.AspNetCore;
using WaOrleans.Api.Auth;
using WaOrleans.Api.Endpoints;
using WaOrleans.Api.Errors;
using WaOrleans.Api.Operations;
using WaOrleans.Grains;

namespace WaOrleans.Api;

/// <summary>Registers and maps the REST API on a web application that co-hosts the silo.</summary>
public static class WaOrleansApi
{
    /// <summary>The authorization policy of the admin key (the Orleans dashboard, operator pages).</summary>
    public const string AdminPolicy = "admin";

    /// <summary>
    /// Adds the API's services: JSON as the API speaks it (camelCase, enums as snake_case words),
    /// API-key authentication, OpenAPI, the admin key bootstrap, metrics (Prometheus) and the gauges.
    /// </summary>
    public static IServiceCollection AddWaOrleansApi(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        // Binding failures (malformed JSON, wrong types, no body) throw, so the error middleware
        // answers them in the API's shape with the field named.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddAuthentication(ApiConstants.Scheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiConstants.Scheme, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicy, p => p.RequireClaim(ApiKeyAuthenticationHandler.KindClaim, "admin"));
        services.AddOpenApi(o => ApiDocument.Configure(o));
        services.AddSingleton<AdminKeyBootstrap>();
        services.AddHostedService(sp => sp.GetRequiredService<AdminKeyBootstrap>());
        services.AddHostedService<SessionGauge>();
        // System.Runtime: the .NET runtime's own meter (GC heap sizes, collections, thread pool),
        // so an operator sees memory per node next to the sessions it holds.
        services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing", "System.Runtime", GatewayMetrics.MeterName)
            .AddPrometheusExporter());
        return services;
    }

    /// <summary>
    /// Adds the middleware (errors, body limits, authentication) and maps every route: <c>/api/…</c>,
    /// <c>/openapi/v1.json</c>, <c>/docs</c>, <c>/health/live</c>, <c>/health/ready</c>, <c>/metrics</c>, and
    /// <c>/orleans</c> (admin) when the silo has <see cref="OrleansDashboard.AddWaOrleansDashboard"/>.
    /// </summary>
    public static WebApplication MapWaOrleansApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseApiErrors();
        app.UseRouting();
        app.UseBodyLimits();
        app.UseAuthentication();
        app.UseAuthorization();

        var api = app.MapGroup(ApiConstants.Prefix).RequireAuthorization();
        foreach (var status in new[] { 400, 401, 403, 404 })
        {
            api.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(ErrorResponse), ["application/json"]));
        }

        api.MapTenantEndpoints();
        api.MapKeyEndpoints();
        api.MapSessionEndpoints();
        api.MapImportEndpoints();
        api.MapMessageEndpoints();
        api.MapBroadcastEndpoints();
        api.MapContactEndpoints();
        api.MapWebhookEndpoints();
        app.MapHealthEndpoints();
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference("/docs", o => o.WithTitle("WaOrleans API")).AllowAnonymous();
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        OrleansDashboard.MapIfAdded(app);
        return app;
    }

    /// <summary>Sets the JSON conventions of the API (also for tests and clients that want the same).</summary>
    public static void ConfigureJson(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
    }
}

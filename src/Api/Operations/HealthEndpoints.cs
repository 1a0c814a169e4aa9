using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using WaOrleans.Api.Contracts;
using WaOrleans.Grains.Tenants;

namespace WaOrleans.Api.Operations;

/// <summary><c>/health/live</c> (the process answers) and <c>/health/ready</c> (silo active, database reachable, admin key in place).</summary>
public static class HealthEndpoints
{
    /// <summary>Maps the probes (no key needed).</summary>
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health").WithTags("Operations").AllowAnonymous();
        health.MapGet("/live", () => TypedResults.Ok(new HealthResponse("ok", new Dictionary<string, string>()))).WithName("Live");
        health.MapGet("/ready", ReadyAsync).WithName("Ready");
        return app;
    }

    private static async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> ReadyAsync(IGrainFactory grains, AdminKeyBootstrap adminKey, CancellationToken cancellationToken)
    {
        var checks = new Dictionary<string, string>();
        try
        {
            // A grain call proves the silo is active; the grain's query proves the database answers.
            await grains.GetGrain<ITenantDirectoryGrain>(0).CheckDatabaseAsync().WaitAsync(ApiConstants.ReadinessTimeout, cancellationToken);
            checks["silo"] = "ok";
            checks["database"] = "ok";
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            checks["silo"] = "unavailable";
            checks["database"] = e is TimeoutException ? "timeout" : "unavailable";
        }

        checks["adminKey"] = adminKey.IsDone ? "ok" : "pending";
        var ready = checks.Values.All(v => v == "ok");
        var body = new HealthResponse(ready ? "ok" : "unavailable", checks);
        return ready ? TypedResults.Ok(body) : TypedResults.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Dashboard;

namespace WaOrleans.Api.Operations;

/// <summary>
/// The Orleans dashboard for the admin at <c>/orleans</c>: silos, grain activations, calls and
/// latencies. It sits behind the admin key; a browser is asked for it with HTTP Basic (any user
/// name, the admin key as password), since a page cannot send a bearer header by itself.
/// </summary>
public static class OrleansDashboard
{
    /// <summary>The route of the dashboard.</summary>
    public const string Route = "/orleans";

    /// <summary>Adds the dashboard's silo services (with live log streaming off: logs stay in the log sink).</summary>
    public static ISiloBuilder AddWaOrleansDashboard(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.AddDashboard(o => o.HideTrace = true);
        silo.Services.AddSingleton<Marker>();
        return silo;
    }

    /// <summary>Maps the dashboard for the admin key when its silo services were added.</summary>
    internal static void MapIfAdded(WebApplication app)
    {
        if (app.Services.GetService<Marker>() is not null)
        {
            app.MapOrleansDashboard(Route).RequireAuthorization(WaOrleansApi.AdminPolicy);
        }
    }

    /// <summary>Says the dashboard's services were added.</summary>
    private sealed class Marker;
}

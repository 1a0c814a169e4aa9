using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WaOrleans.Api.Endpoints;
using WaOrleans.Grains;
using WaOrleans.Grains.Sessions;

namespace WaOrleans.Api.Operations;

/// <summary>
/// The <c>waorleans.sessions</c> gauge (sessions by status, tag <c>status</c>): counted from the
/// session directory every <see cref="ApiConstants.SessionGaugePeriod"/>, since a gauge callback
/// cannot make grain calls. Every node reports the cluster's counts.
/// </summary>
public sealed class SessionGauge : BackgroundService
{
    private readonly IGrainFactory _grains;
    private readonly ILogger<SessionGauge> _logger;
    private volatile IReadOnlyList<Measurement<int>> _measurements = [];

    /// <summary>Creates the gauge on the gateway meter.</summary>
    public SessionGauge(IGrainFactory grains, ILogger<SessionGauge> logger)
    {
        _grains = grains;
        _logger = logger;
        GatewayMetrics.Meter.CreateObservableGauge("waorleans.sessions", () => _measurements, "{session}", "Sessions by status");
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(ApiConstants.SessionGaugePeriod);
        do
        {
            try
            {
                var sessions = await _grains.GetGrain<ISessionDirectoryGrain>(0).ListAsync(null);
                _measurements = [.. Enum.GetValues<SessionState>().Select(s =>
                    new Measurement<int>(sessions.Count(x => x.State == s), new KeyValuePair<string, object?>("status", QrRendering.StateWord(s))))];
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Any failure, a call Orleans cancelled included: a gauge must not stop the silo.
                _logger.GaugeFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Webhooks;

namespace WaOrleans.Grains.Hosting;

/// <summary>
/// Deletes events older than <see cref="RetentionOptions.EventAge"/> that no unfinished webhook
/// delivery refers to, and finished deliveries (with their attempts) older than
/// <see cref="RetentionOptions.DeliveryAge"/>, every <see cref="RetentionOptions.SweepInterval"/>
/// while the silo runs. The deletes are idempotent, so every silo may sweep.
/// </summary>
internal sealed class RetentionSweeper(DeviceStorage storage, IOptions<RetentionOptions> options, ILogger<RetentionSweeper> logger)
    : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    /// <inheritdoc/>
    public void Participate(ISiloLifecycle observer) =>
        observer.Subscribe(
            nameof(RetentionSweeper),
            ServiceLifecycleStage.Active,
            _ =>
            {
                _loop = Task.Run(() => RunAsync(_stopping.Token));
                return Task.CompletedTask;
            },
            async _ =>
            {
                await _stopping.CancelAsync().ConfigureAwait(false);
                await _loop.ConfigureAwait(false);
            });

    /// <summary>Deletes what is past its age now; returns the counts of events, deliveries and attempts removed.</summary>
    public async Task<(int Events, int Deliveries, int Attempts)> SweepAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var deliveriesBefore = (now - settings.DeliveryAge).ToUnixTimeMilliseconds();
        var eventsBefore = (now - settings.EventAge).ToUnixTimeMilliseconds();
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            const string finished = "status IN (@succeeded, @failed) AND completed_at IS NOT NULL AND completed_at < @before";
            int attempts;
            await using (var command = connection.CreateCommand(null,
                $"DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT delivery_id FROM webhook_deliveries WHERE {finished})"))
            {
                attempts = await Finished(command, deliveriesBefore).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            int deliveries;
            await using (var command = connection.CreateCommand(null, $"DELETE FROM webhook_deliveries WHERE {finished}"))
            {
                deliveries = await Finished(command, deliveriesBefore).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            int events;
            await using (var command = connection.CreateCommand(null,
                "DELETE FROM events WHERE created_at < @before AND NOT EXISTS " +
                "(SELECT 1 FROM webhook_deliveries d WHERE d.event_id = events.event_id AND d.status NOT IN (@succeeded, @failed))"))
            {
                events = await Finished(command, eventsBefore).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return (events, deliveries, attempts);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _stopping.Dispose();

    private static System.Data.Common.DbCommand Finished(System.Data.Common.DbCommand command, long before) =>
        command.With("@succeeded", WebhookDeliveryStatus.Succeeded).With("@failed", WebhookDeliveryStatus.Failed).With("@before", before);

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var (events, deliveries, attempts) = await SweepAsync(DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
                if (events + deliveries + attempts > 0)
                {
                    logger.RetentionSwept(events, deliveries, attempts);
                }

                await Task.Delay(options.Value.SweepInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                logger.RetentionFailed(e, e.GetType().Name);
                try
                {
                    await Task.Delay(options.Value.SweepInterval, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}

using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WaOrleans.Grains.Hosting;
using WaOrleans.Grains.Tests.Support;

namespace WaOrleans.Grains.Tests.Hosting;

/// <summary>
/// Retention, with the ages compressed to seconds: old events go unless a delivery still waits on
/// them, finished deliveries go with their attempts, and nothing recent is touched.
/// </summary>
public sealed class RetentionTests
{
    [Fact]
    public Task Old_events_and_finished_deliveries_are_deleted_and_the_rest_kept_on_sqlite() => RunAsync(postgres: false);

    [Fact]
    [Trait("Category", "Postgres")]
    public Task Old_events_and_finished_deliveries_are_deleted_and_the_rest_kept_on_postgres() => RunAsync(postgres: true);

    private static async Task RunAsync(bool postgres)
    {
        await using var harness = await GatewayHarness.StartAsync(postgres);
        var now = DateTimeOffset.UtcNow;
        var old = (now - TimeSpan.FromHours(1)).ToUnixTimeMilliseconds();
        var recent = now.ToUnixTimeMilliseconds();
        async Task EventAsync(string id, long at) =>
            await harness.ScalarAsync(
                "INSERT INTO events (event_id, type, tenant_id, session_id, created_at, data) VALUES (@id, 'message.received', 'default', 's1', @at, '{}')",
                ("@id", id), ("@at", at));
        async Task DeliveryAsync(string id, string eventId, string status, long created, long? completed)
        {
            await harness.ScalarAsync(
                "INSERT INTO webhook_deliveries (delivery_id, webhook_id, event_id, event_type, status, attempts, round_attempts, round_started_at, created_at, completed_at) " +
                "VALUES (@id, 'w1', @event, 'message.received', @status, 1, 1, @created, @created, @completed)",
                ("@id", id), ("@event", eventId), ("@status", status), ("@created", created), ("@completed", (object?)completed ?? DBNull.Value));
            await harness.ScalarAsync(
                "INSERT INTO webhook_attempts (delivery_id, attempt_no, at, status_code, latency_ms) VALUES (@id, 1, @at, 500, 3)",
                ("@id", id), ("@at", created));
        }

        await EventAsync("e-old", old);
        await EventAsync("e-old-done", old);
        await EventAsync("e-old-waiting", old);
        await EventAsync("e-recent", recent);
        await DeliveryAsync("d-old-succeeded", "e-old-done", "succeeded", old, old);
        await DeliveryAsync("d-old-failed", "e-old-done", "failed", old, old);
        await DeliveryAsync("d-old-retrying", "e-old-waiting", "retrying", old, null);
        await DeliveryAsync("d-recent-failed", "e-recent", "failed", recent, recent);

        var sweeper = new RetentionSweeper(
            harness.Storage,
            Options.Create(new RetentionOptions { EventAge = TimeSpan.FromSeconds(30), DeliveryAge = TimeSpan.FromSeconds(30) }),
            NullLogger<RetentionSweeper>.Instance);
        var removed = await sweeper.SweepAsync(now, CancellationToken.None);

        Assert.Equal((2, 2, 2), removed);
        Assert.Equal(0, await harness.ScalarAsync("SELECT COUNT(*) FROM events WHERE event_id IN ('e-old', 'e-old-done')"));
        Assert.Equal(2, await harness.ScalarAsync("SELECT COUNT(*) FROM events WHERE event_id IN ('e-old-waiting', 'e-recent')"));
        Assert.Equal(2, await harness.ScalarAsync("SELECT COUNT(*) FROM webhook_deliveries WHERE delivery_id IN ('d-old-retrying', 'd-recent-failed')"));
        Assert.Equal(2, await harness.ScalarAsync("SELECT COUNT(*) FROM webhook_deliveries"));
        Assert.Equal(2, await harness.ScalarAsync("SELECT COUNT(*) FROM webhook_attempts WHERE delivery_id IN ('d-old-retrying', 'd-recent-failed')"));
        Assert.Equal(2, await harness.ScalarAsync("SELECT COUNT(*) FROM webhook_attempts"));

        // A second sweep finds nothing more.
        Assert.Equal((0, 0, 0), await sweeper.SweepAsync(now, CancellationToken.None));
    }
}

using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using WaOrleans.Grains.Events;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Webhooks;

namespace WaOrleans.Grains.Tests.Webhooks;

/// <summary>Delivery workers as the silos run them, several on one database: leases, restarts, node loss.</summary>
public sealed class WebhookWorkerTests
{
    [Theory, InlineData(Provider.Sqlite), PostgresData]
    public async Task Two_workers_on_one_database_send_every_delivery_once(Provider provider)
    {
        await using var database = await WebhookDatabase.CreateAsync(provider);
        await using var receiver = WebhookReceiver.Start();
        receiver.Delay = TimeSpan.FromMilliseconds(50);
        var options = WebhookHarness.FastOptions();
        // Slow enough that one worker cannot keep up alone, so both must claim.
        options.MaxConcurrencyPerWebhook = 2;
        var webhook = await InsertWebhookAsync(database.Storage, "t1", "s1", receiver.BaseUrl + "hook");

        var second = await database.OpenAsync();
        var (_, workerA) = StartWorker(database.Storage, options);
        var (_, workerB) = StartWorker(second, options);
        await using (workerA)
        await using (workerB)
        {
            // Published as a third silo would: neither worker is handed the rows, both claim them.
            var elsewhere = new EventOutbox(await database.OpenAsync());
            const int Count = 120;
            for (var i = 0; i < Count; i++)
            {
                await elsewhere.PublishAsync(WebhookHarness.Event("t1", "s1", GatewayEventTypes.MessageReceived));
            }

            await receiver.WaitForAsync(r => r.Select(x => x.DeliveryId).Distinct().Count() >= Count, "every delivery", TimeSpan.FromSeconds(120));
            await Task.Delay(options.PollInterval * 3);

            Assert.Equal(Count, receiver.Requests.Count);
            Assert.Equal(Count, receiver.Requests.Select(r => r.DeliveryId).Distinct().Count());
            Assert.All(receiver.Requests, r => ReceiverSignatures.AssertSigned(r, webhook.Secret));
            Assert.True(workerA.AttemptsMade > 0 && workerB.AttemptsMade > 0, $"both workers sent ({workerA.AttemptsMade} and {workerB.AttemptsMade})");
            Assert.Equal(Count, workerA.AttemptsMade + workerB.AttemptsMade);
        }
    }

    [Theory, InlineData(Provider.Sqlite), PostgresData]
    public async Task An_event_is_delivered_only_once_the_publishers_transaction_commits(Provider provider)
    {
        await using var database = await WebhookDatabase.CreateAsync(provider);
        await using var receiver = WebhookReceiver.Start();
        var options = WebhookHarness.FastOptions();
        var webhook = await InsertWebhookAsync(database.Storage, "t1", "s1", receiver.BaseUrl + "hook");
        var (outbox, worker) = StartWorker(database.Storage, options);
        await using (worker)
        {
            // Rolled back: never delivered, nothing left behind.
            var rolledBack = WebhookHarness.Event("t1", "s1", GatewayEventTypes.MessageReceived);
            await InTransactionAsync(database.Storage, outbox, rolledBack, commit: false, holdFor: TimeSpan.Zero);

            // Committed a while after it was published (the worker has looked several times by then): delivered.
            var late = WebhookHarness.Event("t1", "s1", GatewayEventTypes.MessageReceived);
            await InTransactionAsync(database.Storage, outbox, late, commit: true, holdFor: TimeSpan.FromMilliseconds(300));
            var request = Assert.Single(await receiver.WaitForAsync(r => r.Count >= 1, "the committed event"));
            Assert.Equal(late.EventId, GatewayEventTypes.MessageReceived + ":" + request.Json["data"]!["id"]!.GetValue<string>());
            Assert.Equal(WebhookOutbox.DeliveryId(late.EventId, webhook.Id), request.DeliveryId);

            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Single(receiver.Requests);
            var delivery = Assert.Single(await new WebhookTable(database.Storage).ListDeliveriesAsync(webhook.Id, null, 10, CancellationToken.None));
            Assert.Equal(late.EventId, delivery.EventId);
        }
    }

    [Theory, InlineData(Provider.Sqlite), PostgresData]
    public async Task Deliveries_handed_to_the_worker_go_out_without_it_looking_in_the_database(Provider provider)
    {
        await using var database = await WebhookDatabase.CreateAsync(provider);
        await using var receiver = WebhookReceiver.Start();
        var options = WebhookHarness.FastOptions();
        // Only wake-ups make the worker look: its poll would come long after this test.
        options.PollInterval = TimeSpan.FromMinutes(10);
        var webhook = await InsertWebhookAsync(database.Storage, "t1", "s1", receiver.BaseUrl + "hook");
        var (outbox, worker) = StartWorker(database.Storage, options);
        await using (worker)
        {
            await WaitUntilAsync(() => worker.Claims >= 1, "the worker's first look");
            var before = worker.Claims;
            const int Count = 40;
            for (var i = 0; i < Count; i++)
            {
                await outbox.PublishAsync(WebhookHarness.Event("t1", "s1", GatewayEventTypes.MessageReceived));
            }

            await receiver.WaitForAsync(r => r.Count == Count, "every delivery", TimeSpan.FromSeconds(30));
            await WaitUntilAsync(async () => (await new WebhookTable(database.Storage).ListDeliveriesAsync(
                webhook.Id, null, Count, CancellationToken.None)).All(d => d.Status == WebhookDeliveryStatus.Succeeded), "every outcome written");
            // Before, every publish and every finished send woke the worker to look (and look
            // again six times): over 40 database reads for 40 deliveries that were never there to claim.
            Assert.InRange(worker.Claims - before, 0, 2);
            Assert.Equal(Count, worker.AttemptsMade);
        }
    }

    [Theory, InlineData(Provider.Sqlite), PostgresData]
    public async Task Deliveries_queued_while_the_worker_is_full_go_out_as_soon_as_it_has_room(Provider provider)
    {
        await using var database = await WebhookDatabase.CreateAsync(provider);
        await using var receiver = WebhookReceiver.Start();
        receiver.Delay = TimeSpan.FromMilliseconds(300);
        var options = WebhookHarness.FastOptions();
        options.PollInterval = TimeSpan.FromMinutes(10);
        options.MaxConcurrency = 2;
        await InsertWebhookAsync(database.Storage, "t1", "s1", receiver.BaseUrl + "hook");
        var (outbox, worker) = StartWorker(database.Storage, options);
        await using (worker)
        {
            const int Count = 20;
            await outbox.PublishAsync(WebhookHarness.Event("t1", "s1", GatewayEventTypes.MessageReceived));
            await outbox.PublishAsync(WebhookHarness.Event("t1", "s1", GatewayEventTypes.MessageReceived));
            // Both slots busy: the worker has no room to be handed the rest.
            await receiver.WaitForAsync(r => r.Count == 2, "the first two deliveries");
            for (var i = 2; i < Count; i++)
            {
                await outbox.PublishAsync(WebhookHarness.Event("t1", "s1", GatewayEventTypes.MessageReceived));
            }

            // Most were queued for a claim (no room to hand them over): each freed slot wakes the
            // worker to claim them, well before its poll.
            await receiver.WaitForAsync(r => r.Select(x => x.DeliveryId).Distinct().Count() == Count, "every delivery", TimeSpan.FromSeconds(30));
            Assert.True(worker.Claims > 1, $"the worker claimed the queued deliveries ({worker.Claims} looks)");
        }
    }

    [Theory, InlineData(Provider.Sqlite), PostgresData]
    public async Task A_worker_keeps_at_most_the_configured_number_of_requests_open_per_webhook(Provider provider)
    {
        await using var database = await WebhookDatabase.CreateAsync(provider);
        await using var slow = WebhookReceiver.Start();
        await using var fast = WebhookReceiver.Start();
        slow.Delay = TimeSpan.FromMilliseconds(500);
        var options = WebhookHarness.FastOptions();
        options.MaxConcurrencyPerWebhook = 3;
        await InsertWebhookAsync(database.Storage, "t1", "s1", slow.BaseUrl + "hook");
        await InsertWebhookAsync(database.Storage, "t1", null, fast.BaseUrl + "hook");
        var (outbox, worker) = StartWorker(database.Storage, options);
        await using (worker)
        {
            const int Count = 24;
            for (var i = 0; i < Count; i++)
            {
                await outbox.PublishAsync(WebhookHarness.Event("t1", "s1", GatewayEventTypes.MessageReceived));
            }

            // The slow receiver holds its three slots; the other webhook is not held up behind it.
            await fast.WaitForAsync(r => r.Count == Count, "every delivery to the fast receiver", TimeSpan.FromSeconds(60));
            Assert.True(slow.Requests.Count < Count, "the fast receiver finished before the slow one");
            await slow.WaitForAsync(r => r.Count == Count, "every delivery to the slow receiver", TimeSpan.FromSeconds(120));
            Assert.InRange(slow.MaxConcurrent, 2, 3);
        }
    }

    [Theory, InlineData(Provider.Sqlite), PostgresData]
    public async Task Deliveries_survive_a_restart_and_a_dead_workers_leases_run_out(Provider provider)
    {
        await using var database = await WebhookDatabase.CreateAsync(provider);
        await using var receiver = WebhookReceiver.Start();
        var options = WebhookHarness.FastOptions();
        options.Timeout = TimeSpan.FromSeconds(1);
        options.Lease = TimeSpan.FromSeconds(2);
        var first = database.Storage;
        await InsertWebhookAsync(first, "t1", "s1", receiver.BaseUrl + "hook");

        // No worker runs: the deliveries wait in the database.
        var outbox = new EventOutbox(first);
        const int Count = 10;
        for (var i = 0; i < Count; i++)
        {
            await outbox.PublishAsync(WebhookHarness.Event("t1", "s1", GatewayEventTypes.MessageReceived));
        }

        // A worker claims half of them and dies before sending.
        var claimedAt = Stopwatch.GetTimestamp();
        var store = new WebhookDeliveryStore(first, outbox, options);
        var orphans = await store.ClaimAsync("dead-worker", DateTimeOffset.UtcNow, 5, 16, [], CancellationToken.None);
        Assert.Equal(5, orphans.Count);
        Assert.Empty(receiver.Requests);

        // The process restarts: a new storage, a new worker.
        await first.DisposeAsync();
        var (_, worker) = StartWorker(await database.OpenAsync(), options);
        await using (worker)
        {
            var requests = await receiver.WaitForAsync(r => r.Count >= Count, "every delivery");
            await Task.Delay(options.PollInterval * 3);

            Assert.Equal(Count, receiver.Requests.Count);
            Assert.Equal(Count, requests.Select(r => r.DeliveryId).Distinct().Count());
            var orphanIds = orphans.Select(o => o.DeliveryId).ToHashSet();
            Assert.All(
                requests.Where(r => orphanIds.Contains(r.DeliveryId)),
                r => Assert.True(Stopwatch.GetElapsedTime(claimedAt, r.ArrivedTimestamp) >= options.Lease - TimeSpan.FromMilliseconds(100), "a leased delivery waits for its lease to run out"));
        }
    }

    [Theory, InlineData(Provider.Sqlite), PostgresData]
    public async Task A_stopped_worker_leaves_nothing_half_done(Provider provider)
    {
        await using var database = await WebhookDatabase.CreateAsync(provider);
        await using var receiver = WebhookReceiver.Start();
        var options = WebhookHarness.FastOptions();
        var webhook = await InsertWebhookAsync(database.Storage, "t1", "s1", receiver.BaseUrl + "hook");
        var (outbox, worker) = StartWorker(database.Storage, options);
        await using (worker)
        {
            await outbox.PublishAsync(WebhookHarness.Event("t1", "s1", GatewayEventTypes.MessageReceived));
            await receiver.WaitForAsync(r => r.Count == 1, "the delivery");
            await worker.StopAsync(CancellationToken.None);
        }

        // Its outcome was written before the stop returned: succeeded, one attempt, no lease left.
        var delivery = Assert.Single(await new WebhookTable(database.Storage).ListDeliveriesAsync(webhook.Id, null, 10, CancellationToken.None));
        Assert.Equal(WebhookDeliveryStatus.Succeeded, delivery.Status);
        Assert.Equal(200, Assert.Single(delivery.AttemptLog).StatusCode);
    }

    private static async Task InTransactionAsync(DeviceStorage storage, EventOutbox outbox, GatewayEvent gatewayEvent, bool commit, TimeSpan holdFor)
    {
        await using var connection = await storage.OpenConnectionAsync();
        await using var transaction = await storage.BeginTransactionAsync(connection);
        Assert.True(await outbox.PublishAsync(connection, transaction, gatewayEvent));
        await Task.Delay(holdFor);
        if (commit)
        {
            await transaction.CommitAsync();
        }
        else
        {
            await transaction.RollbackAsync();
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what) => await WaitUntilAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }

    internal static (EventOutbox Outbox, WebhookDeliveryWorker Worker) StartWorker(DeviceStorage storage, WebhookOptions options)
    {
        var signal = new WebhookDispatchSignal();
        var outbox = new EventOutbox(storage, signal);
        var worker = new WebhookDeliveryWorker(storage, outbox, signal, options, TimeProvider.System, NullLogger.Instance);
        worker.Start();
        return (outbox, worker);
    }

    internal static async Task<WebhookRow> InsertWebhookAsync(DeviceStorage storage, string tenant, string? session, string url)
    {
        var now = DateTimeOffset.UtcNow;
        var row = new WebhookRow
        {
            Id = "wh_" + Guid.NewGuid().ToString("N")[..24],
            TenantId = tenant,
            SessionId = session,
            Url = url,
            UrlNormalized = new Uri(url).AbsoluteUri,
            Events = ["*"],
            Secret = WebhookValidation.SecretOrGenerate(null),
            Enabled = true,
            CreatedAt = now,
            UpdatedAt = now,
        };
        Assert.True(await new WebhookTable(storage).InsertAsync(row, CancellationToken.None));
        return row;
    }
}

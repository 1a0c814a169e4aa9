using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using WaOrleans.Grains.Events;
using WaOrleans.Grains.Hosting;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Tests.Support;
using WaOrleans.Grains.Webhooks;
using Xunit.Sdk;

namespace WaOrleans.Grains.Tests.Webhooks;

/// <summary>Runs a theory on PostgreSQL too: skipped with the reason without a database on a developer machine, failed in CI.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresDataAttribute : DataAttribute
{
    /// <summary>Marks the row, skipping it locally when no database is configured.</summary>
    public PostgresDataAttribute()
    {
        if (PostgresTestDatabase.ConnectionString is null && !PostgresTestDatabase.IsCi)
        {
            Skip = PostgresTestDatabase.MissingMessage;
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<object[]> GetData(MethodInfo testMethod) =>
        testMethod.GetParameters().Length == 2 ? [[Provider.Postgres, 0]] : [[Provider.Postgres]];
}

/// <summary>A <see cref="PostgresDataAttribute"/> row for the paced latency measurement (100 events a second).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresPacedDataAttribute : DataAttribute
{
    /// <summary>Marks the row, skipping it locally when no database is configured.</summary>
    public PostgresPacedDataAttribute()
    {
        if (PostgresTestDatabase.ConnectionString is null && !PostgresTestDatabase.IsCi)
        {
            Skip = PostgresTestDatabase.MissingMessage;
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[Provider.Postgres, 100]];
}

/// <summary>
/// A one-silo test cluster with the webhook registry and its delivery worker on a database of the
/// test's own, timings compressed to fractions of a second, and a receiver on a loopback port.
/// </summary>
public sealed class WebhookHarness : IAsyncDisposable
{
    private WebhookHarness(WebhookDatabase database, InProcessTestCluster cluster, WebhookReceiver receiver, WebhookOptions options)
    {
        Database = database;
        Cluster = cluster;
        Receiver = receiver;
        Options = options;
    }

    /// <summary>Gets the database.</summary>
    public WebhookDatabase Database { get; }

    /// <summary>Gets the cluster.</summary>
    public InProcessTestCluster Cluster { get; }

    /// <summary>Gets the receiver.</summary>
    public WebhookReceiver Receiver { get; }

    /// <summary>Gets the options the silo runs with.</summary>
    public WebhookOptions Options { get; }

    /// <summary>Gets the webhook registry.</summary>
    public IWebhookDirectoryGrain Directory => Cluster.Client.GetGrain<IWebhookDirectoryGrain>(0);

    /// <summary>Gets the silo's outbox (it wakes the silo's worker).</summary>
    public EventOutbox Outbox => Cluster.Silos[0].ServiceProvider.GetRequiredService<EventOutbox>();

    /// <summary>The compressed timings most tests use: retries after 0.1 s, 0.6 s, 2.4 s…</summary>
    public static WebhookOptions FastOptions() => new()
    {
        AllowPrivateTargets = true,
        Timeout = TimeSpan.FromSeconds(5),
        BackoffBase = TimeSpan.FromMilliseconds(100),
        RetryWindow = TimeSpan.FromMinutes(2),
        DisableAfter = TimeSpan.FromHours(1),
        PollInterval = TimeSpan.FromMilliseconds(200),
        Lease = TimeSpan.FromSeconds(30),
    };

    /// <summary>Starts the database, the cluster and the receiver.</summary>
    public static async Task<WebhookHarness> StartAsync(Provider provider, WebhookOptions? options = null)
    {
        options ??= FastOptions();
        var database = await WebhookDatabase.CreateAsync(provider);
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton<DeviceStorage>(database.Storage);
            silo.AddWaWebhooks();
            silo.Services.Configure<WebhookOptions>(o => Copy(options, o));
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new WebhookHarness(database, cluster, WebhookReceiver.Start(), options);
    }

    /// <summary>Copies every setting.</summary>
    public static void Copy(WebhookOptions from, WebhookOptions to)
    {
        to.AllowPrivateTargets = from.AllowPrivateTargets;
        to.Timeout = from.Timeout;
        to.BackoffBase = from.BackoffBase;
        to.RetryWindow = from.RetryWindow;
        to.DisableAfter = from.DisableAfter;
        to.PollInterval = from.PollInterval;
        to.MaxConcurrency = from.MaxConcurrency;
        to.MaxConcurrencyPerWebhook = from.MaxConcurrencyPerWebhook;
        to.Lease = from.Lease;
    }

    /// <summary>Makes an event of a session with a small data object naming <paramref name="id"/>.</summary>
    public static GatewayEvent Event(string tenant, string? session, string type, string? id = null)
    {
        id ??= Guid.NewGuid().ToString("N");
        return new GatewayEvent
        {
            EventId = type + ":" + id,
            Type = type,
            TenantId = tenant,
            SessionId = session,
            Timestamp = DateTimeOffset.UtcNow,
            DataJson = JsonSerializer.Serialize(new { id, text = "héllo \"world\"", n = 42, nested = new { ok = true } }),
        };
    }

    /// <summary>Creates a webhook to a path of the receiver.</summary>
    public Task<WebhookInfo> CreateAsync(string tenant, string? session, string path, params string[] events) =>
        Directory.CreateAsync(new WebhookSpec
        {
            TenantId = tenant,
            SessionId = session,
            Url = Receiver.BaseUrl + path,
            Events = events.Length == 0 ? null : events,
        });

    /// <summary>Waits until the webhook's deliveries satisfy <paramref name="condition"/>.</summary>
    public async Task<IReadOnlyList<WebhookDelivery>> WaitForDeliveriesAsync(string webhookId, Func<IReadOnlyList<WebhookDelivery>, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var deliveries = await Directory.ListDeliveriesAsync(null, webhookId, 100);
            if (condition(deliveries))
            {
                return deliveries;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}; deliveries: {string.Join(", ", deliveries.Select(d => $"{d.Id} {d.Status} x{d.Attempts}"))}");
            }

            await Task.Delay(50);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await Receiver.DisposeAsync();
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        await Database.DisposeAsync();
    }
}

using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.TestingHost;
using WaOrleans.Grains.Hosting;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Storage.Sqlite;

namespace WaOrleans.Grains.Tests.Storage.Sqlite;

/// <summary>A grain that records its reminder ticks, to see reminders fire after a restart.</summary>
public interface IReminderProbeGrain : IGrainWithStringKey
{
    /// <summary>Registers (or updates) the probe reminder.</summary>
    Task RegisterAsync(TimeSpan period);
}

/// <summary>Records every tick in <see cref="Ticks"/> (the test cluster runs in this process).</summary>
public sealed class ReminderProbeGrain : Grain, IReminderProbeGrain, IRemindable
{
    /// <summary>The name of the probe reminder.</summary>
    public const string ReminderName = "probe";

    /// <summary>Gets the ticks by grain key and time.</summary>
    public static ConcurrentQueue<(string Key, DateTime At)> Ticks { get; } = new();

    /// <inheritdoc/>
    public Task RegisterAsync(TimeSpan period) => this.RegisterOrUpdateReminder(ReminderName, period, period);

    /// <inheritdoc/>
    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Ticks.Enqueue((this.GetPrimaryKeyString(), DateTime.UtcNow));
        return Task.CompletedTask;
    }
}

/// <summary>
/// The SQLite reminder table (migration 0014): the row contract Orleans' reminder service relies
/// on, and a reminder registered before a silo restart ticking after it with nobody calling the grain.
/// </summary>
public sealed class SqliteReminderTableTests : IAsyncLifetime
{
    // Orleans refuses reminder periods under its minimum (1 min by default); the test lowers it.
    private static readonly TimeSpan ProbePeriod = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(60);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "waorleans-reminders-" + Guid.NewGuid().ToString("N"));
    private readonly string _serviceId = "reminders-" + Guid.NewGuid().ToString("N")[..8];
    private SqliteStorage _storage = null!;

    public async Task InitializeAsync() => _storage = await SqliteStorage.OpenAsync(_directory);

    public async Task DisposeAsync()
    {
        await _storage.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Rows_are_written_read_by_grain_and_by_hash_range_and_removed_only_with_the_current_etag()
    {
        var table = new SqliteReminderTable(_storage, Options.Create(new ClusterOptions { ServiceId = _serviceId }));
        var grain = GrainId.Create("probe", "a");
        var start = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var first = await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "r1", StartAt = start, Period = TimeSpan.FromMinutes(1) });
        var second = await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "r1", StartAt = start, Period = TimeSpan.FromMinutes(2) });
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.NotEqual(first, second);

        var row = await table.ReadRow(grain, "r1");
        Assert.NotNull(row);
        Assert.Equal(grain, row.GrainId);
        Assert.Equal(start, row.StartAt);
        Assert.Equal(TimeSpan.FromMinutes(2), row.Period);
        Assert.Equal(second, row.ETag);
        Assert.Null(await table.ReadRow(grain, "missing"));

        var hash = grain.GetUniformHashCode();
        Assert.Single((await table.ReadRows(hash - 1, hash)).Reminders);
        Assert.Empty((await table.ReadRows(hash, hash == uint.MaxValue ? 0 : hash + 1)).Reminders);
        // begin >= end wraps around the ring: everything above begin or at most end.
        Assert.Single((await table.ReadRows(hash, hash)).Reminders);
        Assert.Single((await table.ReadRows(grain)).Reminders);

        // Another service id (another deployment in the same file) sees nothing.
        var other = new SqliteReminderTable(_storage, Options.Create(new ClusterOptions { ServiceId = "other" }));
        Assert.Empty((await other.ReadRows(grain)).Reminders);

        Assert.False(await table.RemoveRow(grain, "r1", first));
        Assert.True(await table.RemoveRow(grain, "r1", second));
        Assert.Null(await table.ReadRow(grain, "r1"));
    }

    [Fact]
    public async Task A_reminder_registered_before_a_restart_ticks_after_it_without_anyone_calling_the_grain()
    {
        var key = Guid.NewGuid().ToString("N");
        var cluster = await StartAsync();
        await cluster.Client.GetGrain<IReminderProbeGrain>(key).RegisterAsync(ProbePeriod);
        await cluster.StopAllSilosAsync();
        await cluster.DisposeAsync();

        var restartedAt = DateTime.UtcNow;
        cluster = await StartAsync();
        try
        {
            var deadline = DateTime.UtcNow + WaitTimeout;
            while (!ReminderProbeGrain.Ticks.Any(t => t.Key == key && t.At > restartedAt))
            {
                Assert.True(DateTime.UtcNow < deadline, "the reminder did not tick after the restart");
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    private async Task<InProcessTestCluster> StartAsync()
    {
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 1);
        builder.Options.ServiceId = _serviceId;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton<DeviceStorage>(_storage);
            silo.UseSqliteReminderService();
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = ProbePeriod);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}

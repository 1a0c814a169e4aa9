using Microsoft.Extensions.DependencyInjection;
using WaOrleans.Grains.Broadcasts;
using WaOrleans.Grains.Messages;
using WaOrleans.Grains.Sessions;
using WaOrleans.Grains.Storage.Sqlite;
using WaOrleans.Grains.Tests.Support;
using Xunit.Abstractions;

namespace WaOrleans.Grains.Tests.Broadcasts;

/// <summary>
/// Broadcast jobs against WaSim phones, counting at the phones: each recipient gets its message
/// exactly once, also when the silo running the job stops halfway and a new one resumes it.
/// </summary>
public sealed class BroadcastTests(ITestOutputHelper output)
{
    private const string Me = "15550108000";

    [Fact]
    public async Task A_broadcast_reaches_every_phone_once_with_its_name_and_reports_failures_per_recipient()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var sessionId = "bc-" + Guid.NewGuid().ToString("N");
        await harness.PairSessionAsync(sessionId, Me);
        var phones = await CreatePhonesAsync(harness, 6);
        List<BroadcastRecipient> recipients = [.. phones.Select((p, i) => new BroadcastRecipient { Phone = p, Name = "Friend " + i })];
        recipients.Insert(3, new BroadcastRecipient { Phone = "15559999990", Name = "Nobody" });
        var job = harness.Grains.GetGrain<IBroadcastGrain>("job-" + Guid.NewGuid().ToString("N"));

        var started = await job.StartAsync(Spec(sessionId, recipients, 0, 50));
        Assert.Equal((7, "running"), (started.Total, started.Status));
        var done = await WaitForEndAsync(job);

        Assert.Equal(("completed", 7, 6, 1), (done.Status, done.Processed, done.Succeeded, done.Failed));
        var nobody = done.Results[3];
        Assert.Equal(("15559999990", "failed"), (nobody.Phone, nobody.Status));
        Assert.Contains("not_on_whatsapp", nobody.Reason, StringComparison.Ordinal);
        for (var i = 0; i < phones.Count; i++)
        {
            var texts = await TextsFromMeAsync(harness, phones[i]);
            Assert.Equal([$"Hello Friend {i}, this is a broadcast"], texts);
        }

        // The event commits right after the job's final row, so a poller can see "completed" first.
        await GatewayHarness.WaitUntilAsync(
            async () => await harness.ScalarAsync("SELECT COUNT(*) FROM events WHERE session_id = @s AND type = 'broadcast.completed'", ("@s", sessionId)) == 1,
            "the broadcast.completed event");
        Assert.Equal(6, await harness.ScalarAsync("SELECT COUNT(*) FROM messages WHERE session_id = @s AND idempotency_key LIKE 'broadcast:%'", ("@s", sessionId)));
        // Starting it again returns the job as it is and sends nothing.
        Assert.Equal("completed", (await job.StartAsync(Spec(sessionId, recipients, 0, 50))).Status);
    }

    [Fact]
    public async Task A_broadcast_whose_watchdog_reminder_cannot_be_registered_at_first_still_runs_to_the_end()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var sessionId = "bc-" + Guid.NewGuid().ToString("N");
        await harness.PairSessionAsync(sessionId, Me);
        var phones = await CreatePhonesAsync(harness, 3);

        // The reminder service refuses the first registration, as one whose range sits on a silo
        // just killed does (seen in the crash test): the job is stored by then.
        var reminders = new FailingOnceReminderTable();
        harness.ConfigureSilo = silo => silo.Services.AddSingleton<IReminderTable>(sp =>
            reminders.Wrap(ActivatorUtilities.CreateInstance<SqliteReminderTable>(sp)));
        await harness.StopSiloAsync();
        await harness.StartSiloAsync();
        await GatewayHarness.WaitForStateAsync(harness.Grains.GetGrain<ISessionGrain>(sessionId), SessionState.Connected);

        var job = harness.Grains.GetGrain<IBroadcastGrain>("job-" + Guid.NewGuid().ToString("N"));
        var spec = Spec(sessionId, [.. phones.Select(p => new BroadcastRecipient { Phone = p })], 0, 50);
        BroadcastStatus started;
        try
        {
            started = await job.StartAsync(spec);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // What an API client does with an error: start the same job again.
            output.WriteLine($"start failed ({e.GetType().Name}); starting again");
            started = await job.StartAsync(spec);
        }

        Assert.Equal("running", started.Status);
        var done = await WaitForEndAsync(job);
        Assert.Equal(("completed", 3, 3), (done.Status, done.Processed, done.Succeeded));
        foreach (var phone in phones)
        {
            Assert.Single(await TextsFromMeAsync(harness, phone));
        }

        Assert.Equal(1, reminders.Refused);
    }

    /// <summary>An <see cref="IReminderTable"/> that refuses the first write of a broadcast's watchdog and passes everything else on.</summary>
    private sealed class FailingOnceReminderTable
    {
        private int _refused;

        public int Refused => Volatile.Read(ref _refused);

        public IReminderTable Wrap(IReminderTable inner) => new Table(this, inner);

        private sealed class Table(FailingOnceReminderTable owner, IReminderTable inner) : IReminderTable
        {
            public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

            public Task StopAsync(CancellationToken cancellationToken = default) => inner.StopAsync(cancellationToken);

            public Task<ReminderTableData> ReadRows(GrainId grainId) => inner.ReadRows(grainId);

            public Task<ReminderTableData> ReadRows(uint begin, uint end) => inner.ReadRows(begin, end);

            public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => inner.ReadRow(grainId, reminderName);

            public Task<string?> UpsertRow(ReminderEntry entry) =>
                entry.ReminderName == BroadcastConstants.WatchdogReminder && Interlocked.Exchange(ref owner._refused, 1) == 0
                    ? throw new TimeoutException("the reminder service did not answer")
                    : inner.UpsertRow(entry);

            public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) => inner.RemoveRow(grainId, reminderName, eTag);

            public Task TestOnlyClearTable() => inner.TestOnlyClearTable();
        }
    }

    [Fact]
    public async Task A_cancelled_broadcast_stops_before_the_next_recipient()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var sessionId = "bc-" + Guid.NewGuid().ToString("N");
        await harness.PairSessionAsync(sessionId, Me);
        var phones = await CreatePhonesAsync(harness, 4);
        var job = harness.Grains.GetGrain<IBroadcastGrain>("job-" + Guid.NewGuid().ToString("N"));
        await job.StartAsync(Spec(sessionId, [.. phones.Select(p => new BroadcastRecipient { Phone = p })], 4000, 4000));
        await GatewayHarness.WaitUntilAsync(async () => (await job.GetAsync())!.Processed >= 1, "the first recipient");

        var cancelled = await job.CancelAsync();
        Assert.Equal("cancelled", cancelled!.Status);
        await Task.Delay(TimeSpan.FromSeconds(6));

        var after = await job.GetAsync();
        Assert.Equal(("cancelled", cancelled.Processed), (after!.Status, after.Processed));
        Assert.Equal(1, after.Processed);
        Assert.Single(await TextsFromMeAsync(harness, phones[0]));
        foreach (var phone in phones.Skip(1))
        {
            Assert.Empty(await TextsFromMeAsync(harness, phone));
        }
    }

    [Fact]
    public Task A_broadcast_resumes_after_its_silo_stops_halfway_and_nobody_is_messaged_twice_or_skipped() => ResumeAfterRestartAsync(postgres: false);

    [PostgresFact]
    [Trait("Category", "Postgres")]
    public Task A_broadcast_resumes_after_a_restart_on_postgres() => ResumeAfterRestartAsync(postgres: true);

    private async Task ResumeAfterRestartAsync(bool postgres)
    {
        await using var harness = await GatewayHarness.StartAsync(postgres);
        var sessionId = "bc-" + Guid.NewGuid().ToString("N");
        await harness.PairSessionAsync(sessionId, Me);
        var phones = await CreatePhonesAsync(harness, 8);
        var jobId = "job-" + Guid.NewGuid().ToString("N");
        await harness.Grains.GetGrain<IBroadcastGrain>(jobId).StartAsync(Spec(sessionId, [.. phones.Select(p => new BroadcastRecipient { Phone = p, Name = p })], 700, 1200));
        await GatewayHarness.WaitUntilAsync(async () => (await harness.Grains.GetGrain<IBroadcastGrain>(jobId).GetAsync())!.Processed >= 3, "three recipients");

        await harness.StopSiloAsync();
        var beforeRestart = await CountsAsync(harness, phones);
        output.WriteLine($"messages at the phones when the silo stopped: [{string.Join(", ", beforeRestart)}]");
        await harness.StartSiloAsync();
        // Nobody calls the job: the new silo's startup resume must finish it by itself.
        var job = harness.Grains.GetGrain<IBroadcastGrain>(jobId);
        var done = await WaitForEndAsync(job);

        var counts = await CountsAsync(harness, phones);
        output.WriteLine($"messages at the phones after the resume: [{string.Join(", ", counts)}]; job {done.Status} {done.Succeeded}/{done.Total}");
        Assert.Equal(("completed", 8, 8), (done.Status, done.Processed, done.Succeeded));
        Assert.All(counts, c => Assert.Equal(1, c));
        Assert.Contains(beforeRestart, c => c == 0);
    }

    [Fact]
    public async Task A_broadcast_finishes_exactly_once_when_the_silo_of_its_session_is_killed()
    {
        await using var harness = await GatewayHarness.StartAsync(silos: 2);
        var victim = harness.Cluster.Silos[1];
        // Random placement: pick a session id that landed on the silo to be killed.
        string? sessionId = null;
        for (var i = 0; i < 40 && sessionId is null; i++)
        {
            var candidate = "fo-" + Guid.NewGuid().ToString("N");
            if ((await harness.Grains.GetGrain<ISessionGrain>(candidate).GetSiloAsync()).Contains(victim.SiloAddress.Endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))
            {
                sessionId = candidate;
            }
        }

        Assert.NotNull(sessionId);
        await harness.PairSessionAsync(sessionId, Me);
        var phones = await CreatePhonesAsync(harness, 8);
        var jobId = "job-" + Guid.NewGuid().ToString("N");
        await harness.Grains.GetGrain<IBroadcastGrain>(jobId).StartAsync(Spec(sessionId, [.. phones.Select(p => new BroadcastRecipient { Phone = p })], 700, 1200));
        await GatewayHarness.WaitUntilAsync(async () => (await harness.Grains.GetGrain<IBroadcastGrain>(jobId).GetAsync())!.Processed >= 2, "two recipients");

        var killedAt = DateTime.UtcNow;
        await harness.Cluster.KillSiloAsync(victim);
        var beforeFailover = await CountsAsync(harness, phones);
        var done = await WaitForEndAsync(harness.Grains.GetGrain<IBroadcastGrain>(jobId));

        var counts = await CountsAsync(harness, phones);
        output.WriteLine($"killed the session's silo with [{string.Join(", ", beforeFailover)}] at the phones; " +
            $"after failover [{string.Join(", ", counts)}], job {done.Status} {done.Succeeded}/{done.Total} {(DateTime.UtcNow - killedAt).TotalSeconds:0} s after the kill");
        Assert.Equal(("completed", 8, 8), (done.Status, done.Processed, done.Succeeded));
        Assert.All(counts, c => Assert.Equal(1, c));
    }

    [Fact]
    public async Task Bad_jobs_are_refused_with_the_field()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var sessionId = "bc-" + Guid.NewGuid().ToString("N");
        await harness.Grains.GetGrain<ISessionGrain>(sessionId).CreateAsync(new CreateSessionRequest());
        var job = harness.Grains.GetGrain<IBroadcastGrain>("job-" + Guid.NewGuid().ToString("N"));
        BroadcastRecipient[] one = [new() { Phone = "15550108001" }];

        async Task<string?> FieldOf(BroadcastSpec spec) => (await Assert.ThrowsAsync<GatewayException>(() => job.StartAsync(spec))).Field;

        Assert.Equal("recipients", await FieldOf(Spec(sessionId, [], 0, 0)));
        Assert.Equal("recipients", await FieldOf(Spec(sessionId, [.. Enumerable.Range(0, 10_001).Select(i => new BroadcastRecipient { Phone = "1555" + i.ToString("D7", System.Globalization.CultureInfo.InvariantCulture) })], 0, 0)));
        Assert.Equal("recipients[1]", await FieldOf(Spec(sessionId, [one[0], new() { Phone = "not a number" }], 0, 0)));
        Assert.Equal("delayMin", await FieldOf(Spec(sessionId, one, -1, 10)));
        Assert.Equal("delayMax", await FieldOf(Spec(sessionId, one, 500, 100)));
        Assert.Equal("delayMax", await FieldOf(Spec(sessionId, one, 0, 3_600_001)));
        Assert.Equal("sessionId", await FieldOf(Spec("no-such-session", one, 0, 0)));
        Assert.Null(await job.GetAsync());
    }

    private static BroadcastSpec Spec(string sessionId, IReadOnlyList<BroadcastRecipient> recipients, int min, int max) => new()
    {
        TenantId = "default",
        SessionId = sessionId,
        Recipients = recipients,
        Content = new MessageContent { Kind = MessageKind.Text, Text = "Hello {{name}}, this is a broadcast" },
        DelayMinMs = min,
        DelayMaxMs = max,
    };

    private static async Task<List<string>> CreatePhonesAsync(GatewayHarness harness, int count)
    {
        var phones = Enumerable.Range(1, count).Select(i => "1555010" + (8100 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        foreach (var phone in phones)
        {
            await harness.Sim.CreatePhoneAsync(phone);
        }

        return phones;
    }

    private static async Task<BroadcastStatus> WaitForEndAsync(IBroadcastGrain job)
    {
        BroadcastStatus? status = null;
        await GatewayHarness.WaitUntilAsync(async () => (status = await job.GetAsync()) is { Status: not ("running" or "pending") }, "the broadcast to end", TimeSpan.FromMinutes(3));
        return status!;
    }

    private static async Task<List<string>> TextsFromMeAsync(GatewayHarness harness, string phone) =>
        [.. (await harness.InboxAsync(phone))
            .Where(m => m!["from"]!.GetValue<string>().StartsWith(Me, StringComparison.Ordinal) || m!["text"]?.GetValue<string>()?.Contains("broadcast", StringComparison.Ordinal) == true)
            .Select(m => m!["text"]!.GetValue<string>())];

    private static async Task<List<int>> CountsAsync(GatewayHarness harness, IEnumerable<string> phones)
    {
        var counts = new List<int>();
        foreach (var phone in phones)
        {
            counts.Add((await TextsFromMeAsync(harness, phone)).Count);
        }

        return counts;
    }
}

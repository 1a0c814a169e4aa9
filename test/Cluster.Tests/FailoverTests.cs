using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using WaOrleans.Grains.Sessions;
using WaOrleans.Simulator;
using WaOrleans.Simulator.Tests.Support;
using Xunit.Abstractions;

using static WaOrleans.Cluster.Tests.ClusterCalls;

namespace WaOrleans.Cluster.Tests;

/// <summary>
/// Real crashes: three silo processes (deploy/cluster.sh) on the test PostgreSQL and WaSim in this
/// process; sessions are linked, the silo hosting the most of them is killed with SIGKILL, and the
/// test measures how long until WaSim sees each of its devices log in again from a survivor.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class FailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Silos = 3;
    private const int Sessions = 6;
    private const int Kills = 10;

    // Detection is 2-6 s with 2 s probes (ORLEANS.md §2.1), the rest a WhatsApp login: measured
    // 3-6 s once the directory's 18 s safety lease was turned off (ClusterHosting). The bound is
    // the issue's p95 target with room for one slow kill on a busy 2-core machine, and the p95 is
    // asserted against the target itself.
    private static readonly TimeSpan FailoverBound = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FailoverTargetP95 = TimeSpan.FromSeconds(15);

    // A frozen silo is found by probes alone: the 12 s liveness window, votes, then the login.
    private const int FrozenSessions = 4;
    private static readonly TimeSpan FrozenMoveBound = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ThawSettleTime = TimeSpan.FromSeconds(12);

    // WaSim replaces the older connection the moment the newer logs in; a sampled overlap longer
    // than a few polls would be two activations both holding the device.
    private static readonly TimeSpan DuplicateTolerance = TimeSpan.FromSeconds(1);

    // A graceful stop hands over in the shutdown itself, well before a death would be declared.
    private const int HandoverRounds = 2;
    private static readonly TimeSpan HandoverBound = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan LoadWarmup = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan LoadInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan PostgresRecoveryBound = TimeSpan.FromSeconds(30);

    // Long enough that pooled connections, the membership table and the session table all fail.
    private const string PostgresDowntimeSeconds = "5";

    // After the last victim is back, further logins would mean two activations fighting over a device.
    private static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);


    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.CreateAsync("failover", output);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Sessions_of_a_killed_silo_log_in_again_on_survivors_within_the_bound_and_only_once()
    {
        await _cluster.StartSilosAsync(Silos);
        var client = await _cluster.StartClientAsync(Silos);
        var grains = client.Services.GetRequiredService<IClusterClient>();
        var phones = Enumerable.Range(0, Sessions).Select(i => $"1555{Random.Shared.Next(100000, 999999)}{i}").ToList();
        await Task.WhenAll(phones.Select(p => _cluster.PairAsync(grains, p)));

        var failovers = new List<double>();
        for (var kill = 1; kill <= Kills; kill++)
        {
            var hosts = new Dictionary<string, int>();
            foreach (var phone in phones)
            {
                string? silo = null;
                await WaitUntilAsync(async () => (silo = await grains.GetGrain<ISessionGrain>(phone).GetSiloAsync()) is not null, StartupTimeout, $"the silo of {phone}");
                hosts[phone] = _cluster.SiloIndexOf(silo!);
            }

            var victim = hosts.Values.GroupBy(i => i).MaxBy(g => g.Count())!.Key;
            var victims = hosts.Where(h => h.Value == victim).Select(h => h.Key).ToList();
            var survivors = phones.Except(victims).ToList();
            var killedAt = DateTime.UtcNow;
            await _cluster.RunScriptAsync("kill9", _cluster.Directory!, victim.ToString(CultureInfo.InvariantCulture));

            // Nothing calls the victims: only the membership supervisor can bring them back this fast.
            await WaitUntilAsync(() => victims.All(p => _cluster.Logins.LoginsOf(p, killedAt).Count > 0), FailoverBound, $"kill {kill}: every session of silo {victim} to log in again");
            await Task.Delay(SettleTime);
            foreach (var phone in victims)
            {
                var logins = _cluster.Logins.LoginsOf(phone, killedAt);
                Assert.True(logins.Count == 1, $"kill {kill}: {phone} logged in {logins.Count} times after the kill (duplicate activations)");
                failovers.Add((logins[0] - killedAt).TotalSeconds);
            }

            foreach (var phone in survivors)
            {
                Assert.True(_cluster.Logins.LoginsOf(phone, killedAt).Count == 0, $"kill {kill}: {phone}, on a survivor, was deactivated and logged in again (ORLEANS.md §2.2)");
            }

            output.WriteLine($"kill {kill}: silo {victim} hosted {victims.Count} of {Sessions}; back after {string.Join(", ", failovers.TakeLast(victims.Count).Select(s => s.ToString("F1", CultureInfo.InvariantCulture)))} s");
            output.WriteLine("  " + ClusterLog.Phases(_cluster.Directory!, killedAt));
            // The old generation must be out of the active set before a new one takes its ports:
            // otherwise the newcomer can be caught in the votes against its predecessor.
            await WaitForActiveSilosAsync(grains, Silos - 1);
            await _cluster.RunScriptAsync("restart", _cluster.Directory!, victim.ToString(CultureInfo.InvariantCulture), _cluster.ConnectionString);
            await WaitForActiveSilosAsync(grains, Silos);
        }

        failovers.Sort();
        var p50 = Percentile(failovers, 0.50);
        var p95 = Percentile(failovers, 0.95);
        output.WriteLine($"failover over {Kills} kills, {failovers.Count} sessions: p50 {p50:F1} s, p95 {p95:F1} s, max {failovers[^1]:F1} s");
        Assert.All(failovers, s => Assert.True(s < FailoverBound.TotalSeconds, $"a failover took {s:F1} s"));
        Assert.True(p95 < FailoverTargetP95.TotalSeconds, $"failover p95 {p95:F1} s is over the {FailoverTargetP95.TotalSeconds} s target");
    }

    [Fact]
    public async Task A_frozen_silo_s_sessions_move_without_two_live_connections_and_no_440_fight_when_it_resumes()
    {
        await _cluster.StartSilosAsync(Silos);
        var grains = (await _cluster.StartClientAsync(Silos)).Services.GetRequiredService<IClusterClient>();
        var phones = await PairSessionsAsync(grains, FrozenSessions);
        var (victim, victims) = await BusiestSiloAsync(grains, phones);
        var frozenPid = File.ReadAllText(Path.Combine(_cluster.Directory!, $"silo{victim}.pid")).Trim();

        var frozenAt = DateTime.UtcNow;
        await _cluster.RunScriptAsync("freeze", _cluster.Directory!, victim.ToString(CultureInfo.InvariantCulture));
        using var stopSampling = new CancellationTokenSource();
        var sampling = SampleLiveConnectionsAsync(victims, stopSampling.Token);

        // A hung silo keeps its sockets open, so only probes (not a reset) reveal it: detection
        // takes the liveness window (MaxProbeTimeout × missed probes, 12 s) plus the votes.
        await WaitUntilAsync(() => victims.All(p => _cluster.Logins.LoginsOf(p, frozenAt).Count > 0), FrozenMoveBound, $"the sessions of frozen silo {victim} to log in on survivors");
        var moved = victims.Select(p => (_cluster.Logins.LoginsOf(p, frozenAt)[0] - frozenAt).TotalSeconds).Max();
        output.WriteLine($"froze silo {victim} ({victims.Count} of {phones.Count} sessions): all logged in on survivors after {moved:F1} s");
        output.WriteLine("  " + ClusterLog.Phases(_cluster.Directory!, frozenAt));

        var thawedAt = DateTime.UtcNow;
        await _cluster.RunScriptAsync("thaw", _cluster.Directory!, victim.ToString(CultureInfo.InvariantCulture));
        // The resumed silo learns it was declared dead and stops (ORLEANS.md §2.1), or its old
        // activations see the 440 or a newer epoch first; either way none may reconnect.
        await Task.Delay(ThawSettleTime);
        await stopSampling.CancelAsync();
        var duplicates = await sampling;

        var resumedExited = !IsRunning(frozenPid);
        output.WriteLine($"thawed silo {victim}: process {(resumedExited ? "exited" : "still running")} {ThawSettleTime.TotalSeconds:F0} s later; fenced activations: {ClusterLog.Find(_cluster.Directory!, thawedAt, "[2003]").Count}");
        foreach (var phone in victims)
        {
            var logins = _cluster.Logins.LoginsOf(phone, frozenAt);
            Assert.True(logins.Count == 1, $"{phone} logged in {logins.Count} times after the freeze: the resumed activation fought the new one");
            Assert.True(duplicates[phone] < DuplicateTolerance, $"{phone} had two live connections at WaSim for {duplicates[phone].TotalSeconds:F1} s");
            var live = await LiveConnectionsAsync(phone);
            Assert.True(live == 1, $"{phone} has {live} live connections at WaSim after the thaw");
            Assert.Equal(SessionState.Connected, (await RetryAsync(() => grains.GetGrain<ISessionGrain>(phone).GetStatusAsync())).State);
        }

        output.WriteLine($"longest two-live-connection span per device: {string.Join(", ", duplicates.Values.Select(d => d.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)))} s");
    }

    [Fact]
    public async Task A_gracefully_stopped_silo_hands_its_sessions_over_before_the_cluster_declares_it_dead()
    {
        await _cluster.StartSilosAsync(Silos);
        var grains = (await _cluster.StartClientAsync(Silos)).Services.GetRequiredService<IClusterClient>();
        var phones = await PairSessionsAsync(grains, Sessions);
        var handovers = new List<double>();
        for (var round = 1; round <= HandoverRounds; round++)
        {
            var (victim, victims) = await BusiestSiloAsync(grains, phones);
            var stoppedAt = DateTime.UtcNow;
            await _cluster.RunScriptAsync("term", _cluster.Directory!, victim.ToString(CultureInfo.InvariantCulture));
            await WaitUntilAsync(() => victims.All(p => _cluster.Logins.LoginsOf(p, stoppedAt).Count > 0), HandoverBound, $"round {round}: the sessions of stopped silo {victim} to log in on survivors");
            await Task.Delay(SettleTime);
            foreach (var phone in victims)
            {
                var logins = _cluster.Logins.LoginsOf(phone, stoppedAt);
                Assert.True(logins.Count == 1, $"round {round}: {phone} logged in {logins.Count} times after the stop");
                handovers.Add((logins[0] - stoppedAt).TotalSeconds);
                var silo = _cluster.SiloIndexOf(await RetryAsync(() => grains.GetGrain<ISessionGrain>(phone).GetSiloAsync()));
                Assert.NotEqual(victim, silo);
            }

            output.WriteLine($"round {round}: SIGTERM to silo {victim} ({victims.Count} sessions) -> logged in elsewhere after {string.Join(", ", handovers.TakeLast(victims.Count).Select(s => s.ToString("F1", CultureInfo.InvariantCulture)))} s");
            output.WriteLine("  " + ClusterLog.Phases(_cluster.Directory!, stoppedAt) + "; hand-over " + (ClusterLog.Find(_cluster.Directory!, stoppedAt, "[2008]").Count > 0 ? "ran" : "did not run"));
            // The old generation must be out of the active set before a new one takes its ports:
            // otherwise the newcomer can be caught in the votes against its predecessor.
            await WaitForActiveSilosAsync(grains, Silos - 1);
            await _cluster.RunScriptAsync("restart", _cluster.Directory!, victim.ToString(CultureInfo.InvariantCulture), _cluster.ConnectionString);
            await WaitForActiveSilosAsync(grains, Silos);
        }

        handovers.Sort();
        output.WriteLine($"hand-over over {HandoverRounds} stops, {handovers.Count} sessions: p50 {Percentile(handovers, 0.50):F1} s, max {handovers[^1]:F1} s");
    }

    [Fact]
    public async Task The_cluster_recovers_by_itself_when_PostgreSQL_restarts_under_load()
    {
        await _cluster.StartSilosAsync(Silos);
        var grains = (await _cluster.StartClientAsync(Silos)).Services.GetRequiredService<IClusterClient>();
        var phones = await PairSessionsAsync(grains, FrozenSessions);
        var peer = $"1556{Random.Shared.Next(1000000, 9999999)}";
        await _cluster.Sim.CreatePhoneAsync(peer);

        // Load: every session keeps sending while the database goes away and comes back.
        using var stopLoad = new CancellationTokenSource();
        var load = phones.Select(p => SendContinuouslyAsync(grains.GetGrain<ISessionGrain>(p), peer, stopLoad.Token)).ToList();
        await Task.Delay(LoadWarmup);
        var restartedAt = DateTime.UtcNow;
        await RunPostgresScriptAsync("restart", PostgresDowntimeSeconds);
        var upAgainAt = DateTime.UtcNow;

        // Recovered = every session sends successfully again; nobody restarted anything. The first
        // use of each pooled connection the restart broke fails once (57P01), so a few sends right
        // after the restart may fail; they are counted, not hidden.
        var recovered = new Dictionary<string, double>();
        var failedAfter = 0;
        foreach (var phone in phones)
        {
            var session = grains.GetGrain<ISessionGrain>(phone);
            while (true)
            {
                try
                {
                    if ((await session.SendTextAsync(new SendTextRequest { To = peer, Text = "after restart" })).Status == "sent")
                    {
                        break;
                    }
                }
                catch (Exception e) when (DateTime.UtcNow - upAgainAt < PostgresRecoveryBound)
                {
                    failedAfter++;
                    output.WriteLine($"{phone}: send after the restart failed: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
                }

                Assert.True(DateTime.UtcNow - upAgainAt < PostgresRecoveryBound, $"{phone} did not send again within {PostgresRecoveryBound.TotalSeconds} s of the restart");
                await Task.Delay(PollInterval);
            }

            recovered[phone] = (DateTime.UtcNow - upAgainAt).TotalSeconds;
        }

        await stopLoad.CancelAsync();
        var outcomes = await Task.WhenAll(load);
        output.WriteLine($"PostgreSQL restart took {(upAgainAt - restartedAt).TotalSeconds:F1} s; sessions sending again {recovered.Values.Max():F1} s after it was back ({failedAfter} sends failed after it was back); during the load {outcomes.Sum(o => o.Sent)} sends succeeded and {outcomes.Sum(o => o.Failed)} failed");
        // The management grain reads Orleans' membership table, whose pool may still hold a
        // connection the restart broke: a failed read is "not yet", and the deadline decides.
        await WaitUntilAsync(
            async () =>
            {
                try
                {
                    return (await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count == Silos;
                }
                catch (Orleans.Serialization.CodecNotFoundException)
                {
                    return false;
                }
            },
            PostgresRecoveryBound,
            $"{Silos} active silos after the restart");
        foreach (var phone in phones)
        {
            Assert.Equal(SessionState.Connected, (await grains.GetGrain<ISessionGrain>(phone).GetStatusAsync()).State);
            Assert.Equal(1, await LiveConnectionsAsync(phone));
            // Nothing was re-activated: no new login since before the restart.
            Assert.Empty(_cluster.Logins.LoginsOf(phone, restartedAt));
        }

        Assert.All(outcomes, o => Assert.True(o.Sent > 0, "a session never sent during the load"));
        var inbox = await _cluster.Sim.GetJsonAsync($"sim/phones/{peer}/inbox");
        Assert.True(inbox["messages"]!.AsArray().Count >= phones.Count, "the peer did not receive the messages sent after the restart");
    }

    private async Task<(int Sent, int Failed)> SendContinuouslyAsync(ISessionGrain session, string to, CancellationToken cancellationToken)
    {
        var (sent, failed) = (0, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var result = await session.SendTextAsync(new SendTextRequest { To = to, Text = "load" });
                if (result.Status == "sent")
                {
                    sent++;
                }
                else
                {
                    failed++;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database is down: the send fails as a whole, and the load goes on.
                failed++;
            }

            try
            {
                await Task.Delay(LoadInterval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return (sent, failed);
    }

    private async Task<List<string>> PairSessionsAsync(IClusterClient grains, int count)
    {
        var phones = Enumerable.Range(0, count).Select(i => $"1555{Random.Shared.Next(100000, 999999)}{i}").ToList();
        await Task.WhenAll(phones.Select(p => _cluster.PairAsync(grains, p)));
        return phones;
    }

    private async Task<(int Victim, List<string> Victims)> BusiestSiloAsync(IClusterClient grains, List<string> phones)
    {
        var hosts = new Dictionary<string, int>();
        foreach (var phone in phones)
        {
            string? silo = null;
            await WaitUntilAsync(async () => (silo = await grains.GetGrain<ISessionGrain>(phone).GetSiloAsync()) is not null, StartupTimeout, $"the silo of {phone}");
            hosts[phone] = _cluster.SiloIndexOf(silo!);
        }

        var victim = hosts.Values.GroupBy(i => i).MaxBy(g => g.Count())!.Key;
        return (victim, hosts.Where(h => h.Value == victim).Select(h => h.Key).ToList());
    }

    private async Task<int> LiveConnectionsAsync(string phone)
    {
        var connections = await _cluster.Sim.GetJsonAsync($"sim/phones/{phone}/connections");
        return connections.AsArray().Count(c => c!["closing"]!.GetValue<bool>() == false);
    }

    /// <summary>Polls WaSim and returns, per phone, the longest time it had two or more live connections.</summary>
    private async Task<Dictionary<string, TimeSpan>> SampleLiveConnectionsAsync(List<string> phones, CancellationToken cancellationToken)
    {
        var longest = phones.ToDictionary(p => p, _ => TimeSpan.Zero);
        var since = new Dictionary<string, DateTime?>();
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var phone in phones)
            {
                var now = DateTime.UtcNow;
                if (await LiveConnectionsAsync(phone) > 1)
                {
                    since[phone] ??= now;
                    longest[phone] = TimeSpan.FromTicks(Math.Max(longest[phone].Ticks, (now - since[phone]!.Value).Ticks + PollInterval.Ticks));
                }
                else
                {
                    since[phone] = null;
                }
            }

            try
            {
                await Task.Delay(PollInterval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return longest;
    }

    private static bool IsRunning(string pid)
    {
        try
        {
            using var process = Process.GetProcessById(int.Parse(pid, CultureInfo.InvariantCulture));
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Ceiling(p * sorted.Count) - 1];

    private static async Task RunPostgresScriptAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(RepositoryRoot(), "test", "postgres.sh")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"postgres.sh {arguments[0]} failed: {await stderr}{await stdout}");
    }
}

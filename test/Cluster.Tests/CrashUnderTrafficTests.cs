using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using WaOrleans.Grains.Broadcasts;
using WaOrleans.Grains.Messages;
using WaOrleans.Grains.Sessions;
using WaOrleans.Grains.Webhooks;
using WaOrleans.Simulator;
using WaOrleans.Simulator.Tests.Support;
using Xunit.Abstractions;

using static WaOrleans.Cluster.Tests.ClusterCalls;

namespace WaOrleans.Cluster.Tests;

/// <summary>
/// Issue 6, "How it is proven": three silo processes on PostgreSQL, sessions linked through WaSim,
/// phones sending to them all the time and a broadcast running; the silo hosting the broadcast's
/// session is killed with SIGKILL (three times). Every inbound message must reach the webhook
/// receiver at least once, and each broadcast must message every recipient exactly once.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class CrashUnderTrafficTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Tenant = "default";
    private const int Silos = 3;
    private const int Sessions = 4;
    private const int Kills = 3;
    private const int Recipients = 20;

    // The issue's numbers: phones send every 100-200 ms, the broadcast waits 200-400 ms between recipients.
    private const int SendIntervalMinMs = 100;
    private const int SendIntervalMaxMs = 200;
    private const int BroadcastDelayMinMs = 200;
    private const int BroadcastDelayMaxMs = 400;

    // The kill lands while the broadcast is in its first recipients.
    private static readonly TimeSpan KillAfterBroadcastStart = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan FailoverBound = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan QuiescenceBound = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentQueue<(string DeliveryId, string SessionId, string MessageId)> _deliveries = new();
    private readonly HttpListener _listener = new();
    private string _receiverUrl = null!;
    private Task? _receiverLoop;

    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        // The receiver is on loopback, which the webhook guard refuses unless told otherwise.
        _cluster = await TestCluster.CreateAsync("crash", output, new Dictionary<string, string> { ["WAORLEANS__WEBHOOKS__ALLOWPRIVATETARGETS"] = "true" });
        var port = FreePort();
        _receiverUrl = $"http://127.0.0.1:{port}/hook";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _receiverLoop = Task.Run(ReceiveAsync);
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _listener.Stop();
        _listener.Close();
        if (_receiverLoop is not null)
        {
            await Task.WhenAny(_receiverLoop, Task.Delay(TimeSpan.FromSeconds(5)));
        }
    }

    [Fact]
    public async Task Killing_silos_under_traffic_loses_no_inbound_message_and_messages_no_broadcast_recipient_twice()
    {
        await _cluster.StartSilosAsync(Silos);
        var grains = (await _cluster.StartClientAsync(Silos)).Services.GetRequiredService<IClusterClient>();
        var sessions = Enumerable.Range(0, Sessions).Select(i => $"1555{Random.Shared.Next(100000, 999999)}{i}").ToList();
        await Task.WhenAll(sessions.Select(p => _cluster.PairAsync(grains, p)));
        await grains.GetGrain<IWebhookDirectoryGrain>(0).CreateAsync(new WebhookSpec { TenantId = Tenant, Url = _receiverUrl, Events = ["message.received"] });

        // One phone talks to each session; the recipients of the broadcasts are other phones.
        var peers = sessions.Select(s => $"1556{Random.Shared.Next(100000, 999999)}{s[^1]}").ToList();
        var recipients = Enumerable.Range(0, Recipients).Select(i => $"1557{Random.Shared.Next(10000, 99999)}{i:D2}").ToList();
        foreach (var phone in peers.Concat(recipients))
        {
            await _cluster.Sim.CreatePhoneAsync(phone);
        }

        var accepted = new ConcurrentDictionary<string, string>();
        var refused = 0;
        using var stopSending = new CancellationTokenSource();
        var sending = Task.Run(async () =>
        {
            for (var n = 0; !stopSending.IsCancellationRequested; n++)
            {
                var i = n % Sessions;
                try
                {
                    using var response = await _cluster.Sim.PostAsync($"sim/phones/{peers[i]}/send", new { to = sessions[i], text = $"inbound {n}" });
                    if (response.IsSuccessStatusCode)
                    {
                        var id = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
                        accepted[id] = sessions[i];
                    }
                    else
                    {
                        Interlocked.Increment(ref refused);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref refused);
                }

                await Task.Delay(Random.Shared.Next(SendIntervalMinMs, SendIntervalMaxMs + 1), CancellationToken.None);
            }
        });

        var broadcasts = new List<(string JobId, string Text, string Sender)>();
        for (var kill = 1; kill <= Kills; kill++)
        {
            // A new broadcast each round, from a different session, so every kill lands in the middle of one.
            var sender = sessions[(kill - 1) % Sessions];
            var job = $"crash-{kill}-{Guid.NewGuid():N}"[..24];
            var text = $"broadcast {job}";
            await RetryAsync(() => grains.GetGrain<IBroadcastGrain>(job).StartAsync(new BroadcastSpec
            {
                TenantId = Tenant,
                SessionId = sender,
                Recipients = [.. recipients.Select(r => new BroadcastRecipient { Phone = r })],
                Content = new MessageContent { Kind = MessageKind.Text, Text = text },
                DelayMinMs = BroadcastDelayMinMs,
                DelayMaxMs = BroadcastDelayMaxMs,
            }));
            broadcasts.Add((job, text, sender));
            await Task.Delay(KillAfterBroadcastStart);

            // Odd rounds kill the sender session's silo (the send in flight fails under the job),
            // even rounds the silo running the job itself (sent but maybe not yet recorded).
            var victim = _cluster.SiloIndexOf(await RetryAsync(async () => await grains.GetGrain<ISessionGrain>(sender).GetSiloAsync() ?? throw new TimeoutException("no silo yet")));
            var jobSilo = await RetryAsync(async () => (SiloAddress?)await grains.GetGrain<IManagementGrain>(0).GetActivationAddress(grains.GetGrain<IBroadcastGrain>(job)));
            if (kill % 2 == 0 && jobSilo is not null)
            {
                victim = jobSilo.Endpoint.Port - _cluster.SiloPortBase + 1;
            }

            var victims = new List<string>();
            foreach (var session in sessions)
            {
                var silo = await RetryAsync(() => grains.GetGrain<ISessionGrain>(session).GetSiloAsync());
                if (silo is not null && _cluster.SiloIndexOf(silo) == victim)
                {
                    victims.Add(session);
                }
            }

            var killedAt = DateTime.UtcNow;
            var progress = await RetryAsync(() => grains.GetGrain<IBroadcastGrain>(job).GetAsync());
            await _cluster.RunScriptAsync("kill9", _cluster.Directory!, victim.ToString(CultureInfo.InvariantCulture));
            await WaitUntilAsync(() => victims.All(p => _cluster.Logins.LoginsOf(p, killedAt).Count > 0), FailoverBound, $"kill {kill}: the sessions of silo {victim} to log in on survivors");
            output.WriteLine($"kill {kill}: silo {victim} with {victims.Count} of {Sessions} sessions (job on silo {(jobSilo is null ? "?" : jobSilo.Endpoint.Port - _cluster.SiloPortBase + 1)}), broadcast {job} at {progress?.Processed}/{progress?.Total}; all back after {(DateTime.UtcNow - killedAt).TotalSeconds:F1} s; {accepted.Count} inbound sent, {_deliveries.Count} deliveries so far");
            await _cluster.RunScriptAsync("restart", _cluster.Directory!, victim.ToString(CultureInfo.InvariantCulture), _cluster.ConnectionString);
            await WaitForActiveSilosAsync(grains, Silos);
        }

        await stopSending.CancelAsync();
        await sending;

        // Quiescence: every accepted message delivered and every broadcast finished, or the bound.
        var finished = new Dictionary<string, BroadcastStatus?>();
        var deadline = DateTime.UtcNow + QuiescenceBound;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var (job, _, _) in broadcasts)
            {
                finished[job] = await RetryAsync(() => grains.GetGrain<IBroadcastGrain>(job).GetAsync());
            }

            var delivered = _deliveries.Select(d => d.MessageId).ToHashSet();
            if (accepted.Keys.All(delivered.Contains) && finished.Values.All(s => s?.Status is "completed" or "failed" or "cancelled"))
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }

        var deliveredIds = _deliveries.Select(d => d.MessageId).ToHashSet();
        var missing = accepted.Where(a => !deliveredIds.Contains(a.Key)).ToList();
        var wrongSession = _deliveries.Where(d => accepted.TryGetValue(d.MessageId, out var s) && s != d.SessionId).ToList();
        var duplicateDeliveries = _deliveries.GroupBy(d => d.DeliveryId).Sum(g => g.Count() - 1);
        var duplicateMessages = _deliveries.GroupBy(d => d.MessageId).Count(g => g.Select(d => d.DeliveryId).Distinct().Count() > 1);

        var twice = new List<string>();
        var skipped = new List<string>();
        var resent = new List<string>();
        foreach (var (job, text, sender) in broadcasts)
        {
            foreach (var recipient in recipients)
            {
                var inbox = await _cluster.Sim.GetJsonAsync($"sim/phones/{recipient}/inbox");
                // A phone shows one message per id: a copy sent again under the same id after a kill
                // (the send left, its status was not yet committed) is not a second message.
                var ids = inbox["messages"]!.AsArray().Where(m => m!["text"]?.GetValue<string>() == text).Select(m => m!["id"]!.GetValue<string>()).ToList();
                var count = ids.Distinct().Count();
                if (ids.Count > count)
                {
                    resent.Add($"{job}:{recipient} {ids.Count} copies of {count} id(s)");
                }

                if (count > 1)
                {
                    twice.Add($"{job}:{recipient}x{count}");
                }
                else if (count == 0)
                {
                    skipped.Add($"{job}:{recipient}");
                }
            }

            var status = finished.GetValueOrDefault(job);
            output.WriteLine($"broadcast {job} from {sender}: {status?.Status} processed {status?.Processed}/{status?.Total}, succeeded {status?.Succeeded}, failed {status?.Failed}");
        }

        output.WriteLine($"CRASH kills={Kills} inbound_sent={accepted.Count} delivered={accepted.Count - missing.Count} missing={missing.Count} duplicate_deliveries={duplicateDeliveries} broadcast_recipients={Recipients * broadcasts.Count} twice={twice.Count} skipped={skipped.Count} resent_same_id={resent.Count}");
        output.WriteLine($"  refused by WaSim: {refused}; webhook POSTs: {_deliveries.Count}; messages delivered under two delivery ids: {duplicateMessages}");
        foreach (var (id, session) in missing.Take(20))
        {
            output.WriteLine($"  missing: {id} to {session}");
        }

        foreach (var copies in resent)
        {
            output.WriteLine($"  sent again under the same id: {copies}");
        }

        Assert.True(accepted.Count > 100, $"only {accepted.Count} inbound messages were sent: the load did not run");
        Assert.True(missing.Count == 0, $"{missing.Count} of {accepted.Count} inbound messages never reached the webhook: {string.Join(", ", missing.Take(10).Select(m => $"{m.Key}->{m.Value}"))}");
        Assert.True(wrongSession.Count == 0, $"{wrongSession.Count} deliveries named the wrong session");
        Assert.True(twice.Count == 0, $"recipients messaged more than once: {string.Join(", ", twice)}");
        Assert.True(skipped.Count == 0, $"recipients never messaged: {string.Join(", ", skipped)}");
        foreach (var (job, _, _) in broadcasts)
        {
            var status = finished[job]!;
            Assert.Equal("completed", status.Status);
            Assert.Equal(status.Total, status.Processed);
            Assert.Equal(Recipients, status.Succeeded);
        }
    }

    private async Task ReceiveAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                var json = JsonNode.Parse(body.ToArray())!;
                if (json["event"]?.GetValue<string>() == "message.received")
                {
                    _deliveries.Enqueue((context.Request.Headers["webhook-id"] ?? "", json["sessionId"]!.GetValue<string>(), json["data"]!["id"]!.GetValue<string>()));
                }

                context.Response.StatusCode = 200;
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or HttpListenerException or IOException)
            {
                context.Response.StatusCode = 400;
            }

            context.Response.Close();
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

}

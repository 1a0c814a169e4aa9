using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

// Load generator for ONE running gateway (test/Bench/gateway-bench.sh starts it and WaSim):
//   pair   SESSIONS_LOAD sessions through the REST API, each QR scanned by a simulated phone;
//   memory pair more, up to MEMORY_SESSIONS connected, and read the gateway's RSS (/proc/<pid>/status)
//          and managed heap (/metrics, System.Runtime meter) before and after: growth per session;
//   send   POST /api/sessions/{id}/messages (text) across the load sessions, CONCURRENCY requests in
//          flight, for SECONDS: requests/s, p50/p99 latency, errors;
//   webhook a receiver (Kestrel, in this process) registered for message.received on each load
//          session; simulated phones send RATE messages/s to the sessions through WaSim's bulk send;
//          the receiver measures send time (stamped in the text) → webhook receipt, and counts
//          missing messages and duplicate webhook-ids.
// Usage: dotnet WaOrleans.GatewayBench.dll --gateway URL --sim URL --admin-key KEY --pid PID
//          [--sessions 50] [--memory-sessions 1000] [--concurrency 64] [--seconds 20] [--rate 1000]
//          [--pair-concurrency 8] [--phases memory,send,webhook] [--warmup 10]
//          (--warmup: seconds of the same send or webhook load, unmeasured, before each measurement)
var gateway = new Uri(Text("--gateway") ?? throw new ArgumentException("--gateway is required"));
var sim = new Uri(Text("--sim") ?? throw new ArgumentException("--sim is required"));
var adminKey = Text("--admin-key") ?? throw new ArgumentException("--admin-key is required");
var gatewayPid = Number("--pid", 0);
var loadSessions = Number("--sessions", 50);
var memorySessions = Number("--memory-sessions", 1000);
var concurrency = Number("--concurrency", 64);
var seconds = Number("--seconds", 20);
var warmUp = Number("--warmup", 10);
var rate = Number("--rate", 1000);
var pairConcurrency = Number("--pair-concurrency", 8);
var phases = (Text("--phases") ?? "memory,send,webhook").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

using var api = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
{
    BaseAddress = gateway,
    Timeout = TimeSpan.FromSeconds(120),
};
api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
using var simHttp = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = sim, Timeout = TimeSpan.FromSeconds(120) };
var bench = new Bench(api, simHttp);

Log($"gateway {gateway} (pid {gatewayPid}), WaSim {sim}; {loadSessions} load sessions, phases {string.Join(',', phases)}");
var clock = Stopwatch.StartNew();
var sessions = await bench.PairManyAsync(0, loadSessions, pairConcurrency);
Log($"paired {sessions.Count} sessions in {clock.Elapsed.TotalSeconds:F1} s");
for (var i = 0; i < sessions.Count; i++)
{
    await bench.CreatePhoneAsync(Bench.ContactPhone(i), "Contact " + i.ToString(CultureInfo.InvariantCulture));
}

if (phases.Contains("memory") && memorySessions > loadSessions)
{
    await bench.WarmUpAsync(sessions);
    var before = await bench.SampleMemoryAsync(gatewayPid);
    clock.Restart();
    var more = await bench.PairManyAsync(loadSessions, memorySessions - loadSessions, pairConcurrency);
    var pairSeconds = clock.Elapsed.TotalSeconds;
    // Let the pairing's garbage age out: two samples a few seconds apart, the lower one counts.
    await Task.Delay(TimeSpan.FromSeconds(5));
    var after = await bench.SampleMemoryAsync(gatewayPid);
    await Task.Delay(TimeSpan.FromSeconds(5));
    var again = await bench.SampleMemoryAsync(gatewayPid);
    after = again.Rss < after.Rss ? again : after;
    var added = more.Count;
    Log($"paired {added} more sessions in {pairSeconds:F1} s ({added / pairSeconds:F1}/s); " +
        $"RSS {before.Rss >> 20} → {after.Rss >> 20} MiB, managed heap {before.Heap >> 20} → {after.Heap >> 20} MiB");
    Console.WriteLine($"RESULT gateway.memory_per_session rss_bytes={(after.Rss - before.Rss) / added} " +
        $"heap_bytes={(after.Heap - before.Heap) / added} sessions={loadSessions + added} rss_total_mib={after.Rss >> 20}");
}

if (phases.Contains("send"))
{
    await bench.WarmUpAsync(sessions);
    if (warmUp > 0)
    {
        // The same load first, unmeasured: a server runs warm, and the first seconds of a process are its JIT compiler's.
        await bench.SendLoadAsync(sessions, concurrency, TimeSpan.FromSeconds(warmUp));
    }

    var cpu = Bench.CpuMilliseconds(gatewayPid);
    var result = await bench.SendLoadAsync(sessions, concurrency, TimeSpan.FromSeconds(seconds));
    cpu = Bench.CpuMilliseconds(gatewayPid) - cpu;
    Console.WriteLine($"RESULT api.send rps={result.Rate:F0} p50_ms={result.P50:F1} p99_ms={result.P99:F1} errors={result.Errors} " +
        $"requests={result.Count} concurrency={concurrency} sessions={sessions.Count} seconds={seconds} gateway_cpu_ms_per_request={cpu / result.Count:F2}");
    if (result.FirstError is { } error)
    {
        Log("first error: " + error);
    }
}

if (phases.Contains("webhook"))
{
    var result = await bench.WebhookLoadAsync(sessions, rate, TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(warmUp), gatewayPid);
    var cpu = result.GatewayCpuMilliseconds;
    Console.WriteLine($"RESULT webhook.inbound rate={result.Rate:F0} p50_ms={result.P50:F1} p99_ms={result.P99:F1} " +
        $"missing={result.Missing} duplicates={result.Duplicates} sent={result.Sent} target_rate={rate} sessions={sessions.Count} seconds={seconds} " +
        $"gateway_cpu_ms_per_message={cpu / result.Sent:F2}");
}

return 0;

string? Text(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

int Number(string name, int fallback) => Text(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

static void Log(string line) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");

/// <summary>A paired session: its id and the simulated phone that owns it.</summary>
internal sealed record BenchSession(int Index, string Id, string Phone);

/// <summary>The gateway's memory at one moment.</summary>
internal sealed record MemorySample(long Rss, long Heap);

/// <summary>Latencies and counts of the send phase.</summary>
internal sealed record SendResult(long Count, long Errors, double Rate, double P50, double P99, string? FirstError);

/// <summary>Latencies and counts of the webhook phase.</summary>
internal sealed record WebhookResult(long Sent, long Missing, long Duplicates, double Rate, double P50, double P99, double GatewayCpuMilliseconds);

/// <summary>The benchmark's steps against one gateway and one WaSim.</summary>
internal sealed class Bench(HttpClient api, HttpClient sim)
{
    private const long OwnerBase = 15_560_000_000;
    private const long ContactBase = 15_570_000_000;
    private static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(120);

    /// <summary>The number of the contact phone that talks with load session <paramref name="index"/>.</summary>
    public static string ContactPhone(int index) => (ContactBase + index).ToString(CultureInfo.InvariantCulture);

    /// <summary>Creates a simulated phone.</summary>
    public async Task CreatePhoneAsync(string phone, string name)
    {
        using var response = await sim.PostAsJsonAsync("sim/phones", new { phone, pushName = name });
        await EnsureAsync(response, $"create phone {phone}");
    }

    /// <summary>Creates and pairs <paramref name="count"/> sessions from index <paramref name="first"/>, <paramref name="parallel"/> at a time.</summary>
    public async Task<List<BenchSession>> PairManyAsync(int first, int count, int parallel)
    {
        var sessions = new BenchSession[count];
        var done = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (i, _) =>
        {
            sessions[i] = await PairAsync(first + i);
            if (Interlocked.Increment(ref done) % 100 == 0)
            {
                Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {done}/{count} paired");
            }
        });
        return [.. sessions];
    }

    /// <summary>Creates a session, connects it by QR, has a new simulated phone scan it and waits until it is connected.</summary>
    public async Task<BenchSession> PairAsync(int index)
    {
        var phone = (OwnerBase + index).ToString(CultureInfo.InvariantCulture);
        var id = "bench-" + index.ToString("D5", CultureInfo.InvariantCulture);
        await CreatePhoneAsync(phone, "Owner " + index.ToString(CultureInfo.InvariantCulture));
        using (var created = await api.PostAsJsonAsync("api/sessions", new { id, name = "bench " + index.ToString(CultureInfo.InvariantCulture) }))
        {
            await EnsureAsync(created, $"create session {id}");
        }

        using (var connect = await api.PostAsJsonAsync($"api/sessions/{id}/connect", new { method = "qr" }))
        {
            await EnsureAsync(connect, $"connect {id}");
        }

        string? qr = null;
        await WaitAsync(async () =>
        {
            using var response = await api.GetAsync($"api/sessions/{id}/qr");
            if (!response.IsSuccessStatusCode)
            {
                return false;
            }

            qr = (await response.Content.ReadFromJsonAsync<JsonObject>())?["qr"]?.GetValue<string>();
            return qr is not null;
        }, $"a QR for {id}");
        using (var scan = await sim.PostAsJsonAsync($"sim/phones/{phone}/scan", new { qr }))
        {
            await EnsureAsync(scan, $"scan {id}");
        }

        await WaitAsync(async () =>
        {
            var status = await api.GetFromJsonAsync<JsonObject>($"api/sessions/{id}");
            return status?["status"]?.GetValue<string>() == "connected";
        }, $"{id} to connect");
        return new BenchSession(index, id, phone);
    }

    /// <summary>
    /// One send from every session to its contact and one message back: the first message of a
    /// chat looks the number up (USync) and builds the Signal sessions, which is not the steady state.
    /// </summary>
    public async Task WarmUpAsync(IReadOnlyList<BenchSession> sessions)
    {
        await Parallel.ForEachAsync(sessions, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (s, _) =>
        {
            using var sent = await api.PostAsJsonAsync($"api/sessions/{s.Id}/messages", new { to = ContactPhone(s.Index), text = "warm-up" });
            await EnsureAsync(sent, $"warm-up send from {s.Id}");
            using var back = await sim.PostAsJsonAsync($"sim/phones/{ContactPhone(s.Index)}/send", new { to = s.Phone, text = "warm-up" });
            await EnsureAsync(back, $"warm-up send to {s.Id}");
        });
    }

    /// <summary>
    /// Reads the CPU time (user + system, ms) the process <paramref name="pid"/> has used so far (/proc/&lt;pid&gt;/stat): per operation, a figure a busy machine
    /// distorts far less than latency.
    /// </summary>
    public static double CpuMilliseconds(int pid)
    {
        if (pid <= 0)
        {
            return double.NaN;
        }

        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 14 and 15 (utime, stime) in clock ticks, 100 per second on Linux.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
    }

    /// <summary>Reads the gateway's resident set (VmRSS) and its managed heap after the last collection.</summary>
    public async Task<MemorySample> SampleMemoryAsync(int pid)
    {
        long rss = 0;
        if (pid > 0)
        {
            var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            rss = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }

        long heap = 0;
        var metrics = await api.GetStringAsync("metrics");
        foreach (var line in metrics.Split('\n'))
        {
            // System.Runtime's dotnet.gc.last_collection.heap.size, one series per generation.
            if (line.StartsWith("dotnet_gc_last_collection_heap_size_bytes{", StringComparison.Ordinal))
            {
                heap += (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return new MemorySample(rss, heap);
    }

    /// <summary>Sends texts through the API, <paramref name="parallel"/> in flight, for <paramref name="duration"/>.</summary>
    public async Task<SendResult> SendLoadAsync(IReadOnlyList<BenchSession> sessions, int parallel, TimeSpan duration)
    {
        var next = -1;
        long errors = 0;
        string? firstError = null;
        var latencies = new ConcurrentBag<List<double>>();
        using var stop = new CancellationTokenSource(duration);
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, parallel).Select(_ => Task.Run(async () =>
        {
            var mine = new List<double>();
            latencies.Add(mine);
            while (!stop.IsCancellationRequested)
            {
                var s = sessions[(int)((uint)Interlocked.Increment(ref next) % (uint)sessions.Count)];
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await api.PostAsJsonAsync($"api/sessions/{s.Id}/messages",
                        new { to = ContactPhone(s.Index), text = "load " + started.ToString(CultureInfo.InvariantCulture) });
                    mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    if (response.StatusCode != System.Net.HttpStatusCode.Created
                        || (await response.Content.ReadFromJsonAsync<JsonObject>())?["status"]?.GetValue<string>() is not "sent" and not "delivered")
                    {
                        Interlocked.Increment(ref errors);
                        Interlocked.CompareExchange(ref firstError, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}", null);
                    }
                }
                catch (HttpRequestException e)
                {
                    mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, e.Message, null);
                }
            }
        })).ToList();
        await Task.WhenAll(workers);
        var elapsed = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new SendResult(all.Length, errors, all.Length / elapsed, Percentile(all, 0.50), Percentile(all, 0.99), firstError);
    }

    /// <summary>
    /// Registers a webhook receiver on every session, has the contacts send <paramref name="perSecond"/>
    /// messages/s to them through WaSim's bulk send for <paramref name="duration"/>, and waits for the
    /// webhooks (up to 60 s after the last send).
    /// </summary>
    public async Task<WebhookResult> WebhookLoadAsync(IReadOnlyList<BenchSession> sessions, int perSecond, TimeSpan duration, TimeSpan warmUp, int gatewayPid)
    {
        var receiver = new Receiver();
        await using var app = receiver.Build();
        await app.StartAsync();
        var url = app.Urls.First() + "/hook";
        foreach (var s in sessions)
        {
            using var created = await api.PostAsJsonAsync($"api/sessions/{s.Id}/webhooks", new { url, events = new[] { "message.received" } });
            await EnsureAsync(created, $"webhook on {s.Id}");
        }

        // Batches every BatchMilliseconds, so the rate holds without one HTTP call per message.
        const int BatchMilliseconds = 20;
        var perBatch = Math.Max(1, perSecond * BatchMilliseconds / 1000);
        long sent = 0;
        var sendErrors = 0L;
        var pending = new List<Task>();
        var batchTimes = new List<double>();
        if (warmUp > TimeSpan.Zero)
        {
            // The same load first, unmeasured (the receiver counts only "bench" texts): a server runs
            // warm, and the first seconds of a process are its JIT compiler's.
            await RunAsync("warm", warmUp);
            await Task.WhenAll(pending);
            await Task.Delay(TimeSpan.FromSeconds(2));
            (sent, sendErrors) = (0, 0);
            pending.Clear();
            batchTimes.Clear();
        }

        var cpu = CpuMilliseconds(gatewayPid);
        var clock = Stopwatch.StartNew();
        await RunAsync("bench", duration);
        await Task.WhenAll(pending);
        var sendSeconds = clock.Elapsed.TotalSeconds;
        var drain = Stopwatch.StartNew();
        while (receiver.Unique < sent - sendErrors && drain.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(100);
        }

        cpu = CpuMilliseconds(gatewayPid) - cpu;
        await app.StopAsync();
        var all = receiver.Latencies();
        Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] webhook: {sent} sent in {sendSeconds:F1} s ({sendErrors} refused by WaSim), " +
            $"{receiver.Unique} received, drained {drain.Elapsed.TotalSeconds:F1} s after the last send");
        var batches = batchTimes.Order().ToArray();
        Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] webhook: WaSim send-batch call ({perBatch} messages) p50 {Percentile(batches, 0.50):F1} ms, " +
            $"p99 {Percentile(batches, 0.99):F1} ms");
        var recorded = receiver.RecordLatencies();
        Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] webhook: send → event recorded by the gateway p50 {Percentile(recorded, 0.50):F1} ms, " +
            $"p99 {Percentile(recorded, 0.99):F1} ms (the rest is the outbox → receiver)");
        var delivered = receiver.DeliveryLatencies();
        Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] webhook: event recorded → received p50 {Percentile(delivered, 0.50):F1} ms, " +
            $"p99 {Percentile(delivered, 0.99):F1} ms (commit, outbox, HTTP)");
        return new WebhookResult(sent, sent - receiver.Unique, receiver.Duplicates, sent / sendSeconds, Percentile(all, 0.50), Percentile(all, 0.99), cpu);

        // Sends perSecond messages/s for the duration, texts "<prefix> <seq> <ticks>".
        async Task RunAsync(string prefix, TimeSpan length)
        {
            var clock = Stopwatch.StartNew();
            var batch = 0L;
            while (clock.Elapsed < length)
            {
                var due = TimeSpan.FromMilliseconds(batch * BatchMilliseconds);
                if (due > clock.Elapsed)
                {
                    await Task.Delay(due - clock.Elapsed);
                }

                var messages = new List<object>(perBatch);
                for (var i = 0; i < perBatch; i++)
                {
                    var seq = sent++;
                    var s = sessions[(int)(seq % sessions.Count)];
                    messages.Add(new { from = ContactPhone(s.Index), to = s.Phone, text = $"{prefix} {seq} {DateTime.UtcNow.Ticks}" });
                }

                pending.Add(Task.Run(async () =>
                {
                    var posted = Stopwatch.GetTimestamp();
                    using var response = await sim.PostAsJsonAsync("sim/send-batch", new { messages });
                    // WaSim answers once every message of the batch is on the wire: its own share of the latency.
                    lock (batchTimes)
                    {
                        batchTimes.Add(Stopwatch.GetElapsedTime(posted).TotalMilliseconds);
                    }

                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Add(ref sendErrors, messages.Count);
                        Console.Error.WriteLine($"send-batch: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }
                }));
                batch++;
            }
        }
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + WaitTimeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(100);
        }
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }
}

/// <summary>The webhook receiver: records receipt latency per message (from the send time in its text) and webhook-ids seen.</summary>
internal sealed class Receiver
{
    private readonly ConcurrentDictionary<string, byte> _deliveries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, double> _messages = new();
    private readonly ConcurrentDictionary<long, double> _recorded = new();
    private readonly ConcurrentDictionary<long, double> _delivered = new();
    private long _duplicates;

    /// <summary>Gets how many distinct bench messages arrived.</summary>
    public long Unique => _messages.Count;

    /// <summary>Gets how many deliveries repeated a webhook-id already seen.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Gets the latencies in milliseconds, sorted.</summary>
    public double[] Latencies() => [.. _messages.Values.Order()];

    /// <summary>Gets the part of each latency until the gateway recorded the event (the body's timestamp), sorted.</summary>
    public double[] RecordLatencies() => [.. _recorded.Values.Order()];

    /// <summary>Gets the part of each latency from the event's recording to its receipt, sorted.</summary>
    public double[] DeliveryLatencies() => [.. _delivered.Values.Order()];

    /// <summary>Builds the Kestrel app on a free loopback port.</summary>
    public WebApplication Build()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/hook", async (HttpContext context) =>
        {
            var now = DateTime.UtcNow.Ticks;
            var body = await JsonSerializer.DeserializeAsync<JsonObject>(context.Request.Body);
            if (!_deliveries.TryAdd(context.Request.Headers["webhook-id"].ToString(), 0))
            {
                Interlocked.Increment(ref _duplicates);
            }

            var parts = body?["data"]?["text"]?.GetValue<string>()?.Split(' ');
            if (parts is ["bench", var seq, var ticks])
            {
                var number = long.Parse(seq, CultureInfo.InvariantCulture);
                var sentAt = long.Parse(ticks, CultureInfo.InvariantCulture);
                _messages.TryAdd(number, TimeSpan.FromTicks(now - sentAt).TotalMilliseconds);
                if (body?["timestamp"]?.GetValue<string>() is { } recorded
                    && DateTimeOffset.TryParse(recorded, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var recordedAt))
                {
                    _recorded.TryAdd(number, TimeSpan.FromTicks(recordedAt.UtcTicks - sentAt).TotalMilliseconds);
                    _delivered.TryAdd(number, TimeSpan.FromTicks(now - recordedAt.UtcTicks).TotalMilliseconds);
                }
            }

            return Results.NoContent();
        });
        return app;
    }
}

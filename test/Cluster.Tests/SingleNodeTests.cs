using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WaOrleans.Grains.Sessions;
using WaOrleans.Simulator;
using WaOrleans.Simulator.Tests.Support;
using Xunit.Abstractions;

using static WaOrleans.Cluster.Tests.ClusterCalls;

namespace WaOrleans.Cluster.Tests;

/// <summary>
/// The single node on its embedded SQLite database, as `dotnet run --project src/Silo` starts it,
/// in a real process killed with SIGKILL and started again on the same data directory.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class SingleNodeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Sessions = 2;
    private const int MessagesWhileDown = 3;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly LoginRecorder _logins = new();
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "waorleans-single-" + Guid.NewGuid().ToString("N"));
    private readonly int _siloPort = 21000 + (Random.Shared.Next(0, 400) * 10) + 5;
    private readonly int _gatewayPort = 25000 + (Random.Shared.Next(0, 400) * 10) + 5;
    private WaSimServer _server = null!;
    private SimClient _sim = null!;
    private ILoggerFactory _loggerFactory = null!;
    private Process? _silo;
    private IHost? _client;

    private string LogPath => Path.Combine(_dataDirectory, "silo.log");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dataDirectory);
        _loggerFactory = LoggerFactory.Create(b => b.AddProvider(_logins));
        _server = await WaSimServer.StartAsync(new WaSimOptions(), _loggerFactory);
        _sim = new SimClient(_server);
    }

    public async Task DisposeAsync()
    {
        await StopClientAsync();
        KillSilo();
        if (File.Exists(LogPath))
        {
            output.WriteLine("--- silo.log (last lines)");
            foreach (var line in File.ReadLines(LogPath).TakeLast(15))
            {
                output.WriteLine(line);
            }
        }

        _sim.Dispose();
        await _server.DisposeAsync();
        _loggerFactory.Dispose();
        _logins.Dispose();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task A_killed_single_node_comes_back_with_its_sessions_without_a_new_qr_and_loses_nothing()
    {
        StartSilo();
        var grains = await StartClientAsync();
        var phones = Enumerable.Range(0, Sessions).Select(i => $"1557{Random.Shared.Next(100000, 999999)}{i}").ToList();
        var peer = $"1558{Random.Shared.Next(1000000, 9999999)}";
        await _sim.CreatePhoneAsync(peer);
        var paired = new Dictionary<string, string?>();
        foreach (var phone in phones)
        {
            paired[phone] = (await PairAsync(grains, phone)).MeJid;
        }

        var sentBefore = new List<string>();
        foreach (var phone in phones)
        {
            sentBefore.Add((await grains.GetGrain<ISessionGrain>(phone).SendTextAsync(new SendTextRequest { To = peer, Text = "before the crash" })).MessageId);
        }

        await StopClientAsync();
        var killedAt = DateTime.UtcNow;
        KillSilo();
        await WaitUntilAsync(async () => (await OnlineDevicesAsync(phones)) == 0, "the devices to go offline with the killed node");

        // The phone keeps writing while the node is down: WhatsApp (WaSim) holds the messages.
        foreach (var phone in phones)
        {
            for (var i = 0; i < MessagesWhileDown; i++)
            {
                await _sim.PostOkAsync($"sim/phones/{peer}/send", new { to = phone, text = $"while down {i}" });
            }
        }

        foreach (var phone in phones)
        {
            Assert.True(await Undelivered(phone) >= MessagesWhileDown, $"{phone} has no backlog to prove anything with");
        }

        var restartedAt = DateTime.UtcNow;
        StartSilo();
        // Nobody calls the grains: the node's startup resume brings the sessions back by itself.
        await WaitUntilAsync(async () => (await OnlineDevicesAsync(phones)) == phones.Count, "the sessions to come back online after the restart");
        var back = (DateTime.UtcNow - restartedAt).TotalSeconds;
        // Everything WhatsApp held was received and acknowledged: the client acks only after the
        // message is committed to the database (durability rules).
        await WaitUntilAsync(async () => (await Task.WhenAll(phones.Select(Undelivered))).All(u => u == 0), "the backlog to be received and acknowledged");

        grains = await StartClientAsync();
        foreach (var phone in phones)
        {
            var session = grains.GetGrain<ISessionGrain>(phone);
            var status = await session.GetStatusAsync();
            Assert.Equal(SessionState.Connected, status.State);
            Assert.Null(status.Qr);
            Assert.Equal(paired[phone], status.MeJid);
            Assert.Single((await _sim.GetJsonAsync($"sim/phones/{phone}"))["devices"]!.AsArray());
            Assert.Single(_logins.LoginsOf(phone, killedAt));
            var sent = await session.SendTextAsync(new SendTextRequest { To = peer, Text = "after the crash" });
            Assert.Equal("sent", sent.Status);
        }

        await WaitUntilAsync(
            async () =>
            {
                var ids = (await _sim.GetJsonAsync($"sim/phones/{peer}/inbox"))["messages"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()).ToHashSet();
                return sentBefore.All(ids.Contains) && ids.Count >= sentBefore.Count + phones.Count;
            },
            "the peer to hold the messages sent before and after the crash");
        output.WriteLine($"kill -9 of the single node: {phones.Count} sessions online {back:F1} s after the restart, {phones.Count * MessagesWhileDown} messages sent while down all acknowledged");
    }

    private void StartSilo()
    {
        var start = new ProcessStartInfo("bash") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec dotnet \"$0\" >> \"$1\" 2>&1 < /dev/null");
        start.ArgumentList.Add(Path.Combine(RepositoryRoot(), "src", "Silo", "bin", BuildConfiguration(), "net10.0", "WaOrleans.Silo.dll"));
        start.ArgumentList.Add(LogPath);
        start.Environment["WAORLEANS__STORAGE__DATADIRECTORY"] = _dataDirectory;
        start.Environment["WAORLEANS__CLUSTER__SILOPORT"] = _siloPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["WAORLEANS__CLUSTER__GATEWAYPORT"] = _gatewayPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["WAORLEANS__WHATSAPP__ENDPOINT"] = _server.WebSocketUri.ToString();
        start.Environment["WAORLEANS__WHATSAPP__ROOTKEY"] = Convert.ToHexString(_server.RootPublicKey);
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        start.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ";
        _silo = Process.Start(start)!;
    }

    private void KillSilo()
    {
        if (_silo is { } silo)
        {
            _silo = null;
            // Process.Kill is SIGKILL on Linux: no shutdown code runs, as in a crash.
            silo.Kill(entireProcessTree: true);
            silo.WaitForExit();
            silo.Dispose();
        }
    }

    private async Task<IClusterClient> StartClientAsync()
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.UseOrleansClient(c => c.UseLocalhostClustering(_gatewayPort));
            var host = builder.Build();
            try
            {
                await host.StartAsync();
                _client = host;
                return host.Services.GetRequiredService<IClusterClient>();
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                host.Dispose();
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    private async Task StopClientAsync()
    {
        if (_client is { } client)
        {
            _client = null;
            try
            {
                await client.StopAsync();
            }
            catch (OperationCanceledException)
            {
                // The gateway is gone already.
            }

            client.Dispose();
        }
    }

    private async Task<SessionStatus> PairAsync(IClusterClient grains, string phone)
    {
        await _sim.CreatePhoneAsync(phone);
        var session = grains.GetGrain<ISessionGrain>(phone);
        await session.CreateAsync();
        await session.ConnectAsync(new ConnectRequest { Method = ConnectMethod.Qr });
        SessionStatus status = await session.GetStatusAsync();
        await WaitUntilAsync(async () => (status = await session.GetStatusAsync()).Qr is not null, $"a QR for {phone}");
        await _sim.PostOkAsync($"sim/phones/{phone}/scan", new { qr = status.Qr });
        await WaitUntilAsync(async () => (status = await session.GetStatusAsync()).State == SessionState.Connected, $"{phone} to connect");
        return status;
    }

    private async Task<int> OnlineDevicesAsync(IEnumerable<string> phones)
    {
        var online = 0;
        foreach (var phone in phones)
        {
            var devices = (await _sim.GetJsonAsync($"sim/phones/{phone}"))["devices"]!.AsArray();
            online += devices.Count(d => d!["online"]!.GetValue<bool>());
        }

        return online;
    }

    private async Task<int> Undelivered(string phone)
    {
        JsonArray devices = (await _sim.GetJsonAsync($"sim/phones/{phone}"))["devices"]!.AsArray();
        return devices.Sum(d => d!["undelivered"]!.GetValue<int>());
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(PollInterval);
        }
    }
}

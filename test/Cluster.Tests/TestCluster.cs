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
/// What the multi-silo tests share: a database of their own in the test PostgreSQL, WaSim with a
/// recorder of the logins it sees, real silo processes started and killed by
/// <c>deploy/cluster.sh</c>, and an Orleans client. Disposing it stops everything, prints the last
/// lines of every silo's log to the test output and drops the database.
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    private const string PostgresVariable = "WAORLEANS_TEST_POSTGRES";
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(90);

    private readonly ITestOutputHelper _output;
    private readonly IReadOnlyDictionary<string, string> _siloEnvironment;
    private readonly ILoggerFactory _loggerFactory;
    private IHost? _client;

    private TestCluster(string clusterId, string connectionString, LoginRecorder logins, ILoggerFactory loggerFactory, WaSimServer server,
        ITestOutputHelper output, IReadOnlyDictionary<string, string> siloEnvironment)
    {
        ClusterId = clusterId;
        ConnectionString = connectionString;
        Logins = logins;
        _loggerFactory = loggerFactory;
        Server = server;
        Sim = new SimClient(server);
        _output = output;
        _siloEnvironment = siloEnvironment;
    }

    /// <summary>Gets the cluster id, unique per test class instance.</summary>
    public string ClusterId { get; }

    /// <summary>Gets the connection string of the cluster's own database.</summary>
    public string ConnectionString { get; }

    /// <summary>Gets the first silo port; silo N listens on <c>SiloPortBase + N - 1</c>.</summary>
    // Both ranges stay below Linux's ephemeral ports (32768+): a port there can be taken by any
    // outgoing connection, and a restarted silo then fails with "address already in use".
    public int SiloPortBase { get; } = 21000 + (Random.Shared.Next(0, 400) * 10);

    /// <summary>Gets the first gateway port.</summary>
    public int GatewayPortBase { get; } = 25000 + (Random.Shared.Next(0, 400) * 10);

    /// <summary>Gets the logins WaSim saw, per device.</summary>
    public LoginRecorder Logins { get; }

    /// <summary>Gets the WhatsApp server the silos connect to.</summary>
    public WaSimServer Server { get; }

    /// <summary>Gets the client of WaSim's control API.</summary>
    public SimClient Sim { get; }

    /// <summary>Gets the folder <c>cluster.sh start</c> made (pid files, logs), once the silos run.</summary>
    public string? Directory { get; private set; }

    /// <summary>
    /// Creates the database and starts WaSim; <paramref name="siloEnvironment"/> is added to the
    /// environment of every silo the script starts.
    /// </summary>
    public static async Task<TestCluster> CreateAsync(string name, ITestOutputHelper output, IReadOnlyDictionary<string, string>? siloEnvironment = null)
    {
        var shared = Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{PostgresVariable} is not set: run ./test.sh, or leave these out with --filter Category!=Cluster");
        var clusterId = name + "-" + Guid.NewGuid().ToString("N")[..8];
        var connectionString = await TestDatabase.CreateAsync(shared, clusterId);
        var logins = new LoginRecorder();
        var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logins));
        var server = await WaSimServer.StartAsync(new WaSimOptions(), loggerFactory);
        return new TestCluster(clusterId, connectionString, logins, loggerFactory, server, output, siloEnvironment ?? new Dictionary<string, string>());
    }

    /// <summary>Starts <paramref name="silos"/> silo processes on the cluster's database.</summary>
    public async Task StartSilosAsync(int silos) =>
        Directory = (await RunScriptAsync("start", silos.ToString(CultureInfo.InvariantCulture), ConnectionString)).Trim();

    /// <summary>Runs <c>deploy/cluster.sh</c> with this cluster's ports, WaSim and extra environment; returns its output.</summary>
    public async Task<string> RunScriptAsync(params string[] arguments)
    {
        var script = Path.Combine(RepositoryRoot(), "deploy", "cluster.sh");
        var start = new ProcessStartInfo(script) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["WAORLEANS_CLUSTER_ID"] = ClusterId;
        start.Environment["WAORLEANS_SILO_PORT_BASE"] = SiloPortBase.ToString(CultureInfo.InvariantCulture);
        start.Environment["WAORLEANS_GATEWAY_PORT_BASE"] = GatewayPortBase.ToString(CultureInfo.InvariantCulture);
        start.Environment["WAORLEANS_SILO_DLL"] = Path.Combine(RepositoryRoot(), "src", "Silo", "bin", BuildConfiguration(), "net10.0", "WaOrleans.Silo.dll");
        start.Environment["WAORLEANS__WHATSAPP__ENDPOINT"] = Server.WebSocketUri.ToString();
        start.Environment["WAORLEANS__WHATSAPP__ROOTKEY"] = Convert.ToHexString(Server.RootPublicKey);
        foreach (var (name, value) in _siloEnvironment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"cluster.sh {arguments[0]} failed: {await stderr}");
        return await stdout;
    }

    /// <summary>Connects an Orleans client (trying again while the silos come up) and waits for <paramref name="silos"/> active silos.</summary>
    public async Task<IHost> StartClientAsync(int silos)
    {
        var deadline = DateTime.UtcNow + StartupTimeout;
        while (true)
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.UseOrleansClient(c =>
            {
                c.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = ClusterId;
                    o.ServiceId = "waorleans";
                });
                c.UseAdoNetClustering(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = ConnectionString;
                });
                // Silos come back under new generations every few seconds here; with Orleans' default
                // of one minute, the client's gateway list can name only dead ones for that long.
                c.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
            });
            var host = builder.Build();
            try
            {
                await host.StartAsync();
                await WaitForActiveSilosAsync(host.Services.GetRequiredService<IClusterClient>(), silos);
                _client = host;
                return host;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                host.Dispose();
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    /// <summary>Gets the number (1-based, as <c>cluster.sh</c> counts) of the silo with this runtime identity.</summary>
    public int SiloIndexOf(string siloAddress)
    {
        // RuntimeIdentity is "S127.0.0.1:<port>:<generation>".
        var port = int.Parse(siloAddress.Split(':')[1], CultureInfo.InvariantCulture);
        return port - SiloPortBase + 1;
    }

    /// <summary>Creates a simulated phone and a session for it, and pairs them by QR.</summary>
    public async Task PairAsync(IClusterClient grains, string phone)
    {
        await Sim.CreatePhoneAsync(phone);
        var session = grains.GetGrain<ISessionGrain>(phone);
        await session.CreateAsync();
        await session.ConnectAsync(new ConnectRequest { Method = ConnectMethod.Qr });
        SessionStatus status = await session.GetStatusAsync();
        await WaitUntilAsync(async () => (status = await session.GetStatusAsync()).Qr is not null, StartupTimeout, $"a QR for {phone}");
        await Sim.PostOkAsync($"sim/phones/{phone}/scan", new { qr = status.Qr });
        await WaitUntilAsync(async () => (await session.GetStatusAsync()).State == SessionState.Connected, StartupTimeout, $"{phone} to connect");
    }

    /// <summary>Stops the client and the silos (their last log lines go to the test output), WaSim, and drops the database.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.StopAsync();
            _client.Dispose();
        }

        if (Directory is not null)
        {
            await RunScriptAsync("stop", Directory);
            foreach (var log in System.IO.Directory.GetFiles(Directory, "*.log"))
            {
                _output.WriteLine($"--- {Path.GetFileName(log)} (last lines)");
                foreach (var line in File.ReadLines(log).TakeLast(15))
                {
                    _output.WriteLine(line);
                }
            }

            // The last lines are in the test output; WAORLEANS_KEEP_CLUSTER_LOGS=1 keeps the whole logs.
            if (Environment.GetEnvironmentVariable("WAORLEANS_KEEP_CLUSTER_LOGS") != "1")
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
        }

        Sim.Dispose();
        await Server.DisposeAsync();
        _loggerFactory.Dispose();
        Logins.Dispose();
        await TestDatabase.DropAsync(ConnectionString);
    }
}

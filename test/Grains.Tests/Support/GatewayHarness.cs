using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Npgsql;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using WaOrleans.Grains.Hosting;
using WaOrleans.Grains.Sessions;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Storage.Postgres;
using WaOrleans.Grains.Storage.Sqlite;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Store;
using WaOrleans.Simulator;
using WaOrleans.Simulator.Tests.Support;

namespace WaOrleans.Grains.Tests.Support;

/// <summary>
/// WaSim with simulated phones plus a one-silo test cluster running the gateway grains on real
/// SQLite (a temporary directory) or PostgreSQL (<see cref="PostgresTestDatabase"/>). The silo can
/// be stopped and started again on the same data, as a restarted node would be.
/// </summary>
public sealed class GatewayHarness : IAsyncDisposable
{
    /// <summary>Generous: a busy 2-core machine runs other test assemblies at the same time.</summary>
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(90);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "waorleans-gateway-" + Guid.NewGuid().ToString("N"));
    private readonly bool _postgres;
    private readonly int _silos;
    private readonly SessionLimits _limits;
    private readonly List<WaClient> _clients = [];
    private InProcessTestCluster? _cluster;
    private DeviceStorage? _storage;
    private string? _schema;

    private GatewayHarness(WaSimServer server, bool postgres, SessionLimits limits, int silos)
    {
        Server = server;
        Sim = new SimClient(server);
        _postgres = postgres;
        _limits = limits;
        _silos = silos;
    }

    /// <summary>
    /// Gets or sets whether the silo lets media URLs point at loopback (tests serve media from
    /// 127.0.0.1); read when a silo starts. On unless a test checks the policy.
    /// </summary>
    public bool AllowPrivateMediaUrls { get; set; } = true;

    /// <summary>Gets or sets more silo configuration, applied last when a silo starts (a test's fault injection).</summary>
    public Action<ISiloBuilder>? ConfigureSilo { get; set; }

    /// <summary>Gets the simulator.</summary>
    public WaSimServer Server { get; }

    /// <summary>Gets the simulator's control API.</summary>
    public SimClient Sim { get; }

    /// <summary>Gets the storage of the running silo.</summary>
    public DeviceStorage Storage => _storage ?? throw new InvalidOperationException("the silo is not running");

    /// <summary>Gets the cluster's grain factory.</summary>
    public IGrainFactory Grains => Cluster.Client;

    /// <summary>Gets the running test cluster.</summary>
    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("the silo is not running");

    /// <summary>Starts WaSim and the silos (one unless told otherwise), all on the same storage.</summary>
    public static async Task<GatewayHarness> StartAsync(bool postgres = false, SessionLimits? limits = null, int silos = 1, bool allowPrivateMediaUrls = true)
    {
        var harness = new GatewayHarness(await WaSimServer.StartAsync(new WaSimOptions()), postgres, limits ?? new SessionLimits(), silos)
        {
            AllowPrivateMediaUrls = allowPrivateMediaUrls,
        };
        await harness.StartSiloAsync();
        return harness;
    }

    /// <summary>Client options pointing at WaSim, trusting its media host.</summary>
    public WaClientOptions ClientOptions() => new()
    {
        Endpoint = Server.WebSocketUri,
        RootKey = Server.RootPublicKey,
        ReconnectBaseDelay = TimeSpan.FromMilliseconds(50),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(400),
        QueryTimeout = TimeSpan.FromSeconds(20),
        MediaCertificateValidation = TrustsSimMediaHost,
    };

    /// <summary>Starts a silo on the harness's data (again, after <see cref="StopSiloAsync"/>).</summary>
    public async Task StartSiloAsync()
    {
        DeviceStorage storage = _postgres
            ? await PostgresStorage.OpenAsync(await PostgresSchemaAsync())
            : await SqliteStorage.OpenAsync(_directory);
        _storage = storage;
        var options = ClientOptions();
        var builder = new InProcessTestClusterBuilder(initialSilosCount: (short)_silos);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddWaSessions(storage, options, _limits);
            silo.Services.Configure<MediaOptions>(media => media.AllowPrivateUrls = AllowPrivateMediaUrls);
            silo.UseInMemoryReminderService();
            ConfigureSilo?.Invoke(silo);
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    /// <summary>
    /// A schema of this harness's own in the test database: test classes run in parallel, and a
    /// silo starting resumes every session and broadcast it finds, so two harnesses sharing tables
    /// would take over each other's sessions.
    /// </summary>
    private async Task<string> PostgresSchemaAsync()
    {
        var connectionString = PostgresTestDatabase.RequireConnectionString();
        if (_schema is null)
        {
            var schema = "gateway_" + Guid.NewGuid().ToString("N");
            await using var admin = NpgsqlDataSource.Create(connectionString);
            await using var create = admin.CreateCommand($"CREATE SCHEMA {schema}");
            await create.ExecuteNonQueryAsync();
            _schema = schema;
        }

        return new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = _schema }.ConnectionString;
    }

    /// <summary>Stops the silo (its sessions' sockets close with it) and closes the storage.</summary>
    public async Task StopSiloAsync()
    {
        if (_cluster is { } cluster)
        {
            _cluster = null;
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }

        if (_storage is { } storage)
        {
            _storage = null;
            await storage.DisposeAsync();
        }
    }

    /// <summary>Creates a simulated phone and a session linked to it by QR; returns the connected session.</summary>
    public async Task<ISessionGrain> PairSessionAsync(string sessionId, string phone, string tenantId = "default")
    {
        await Sim.CreatePhoneAsync(phone);
        var session = Grains.GetGrain<ISessionGrain>(sessionId);
        await session.CreateAsync(new CreateSessionRequest { TenantId = tenantId, Name = "test " + phone });
        await session.ConnectAsync(new ConnectRequest { Method = ConnectMethod.Qr });
        var qr = await WaitForStateAsync(session, SessionState.Qr, s => s.Qr is not null);
        await Sim.PostOkAsync($"sim/phones/{phone}/scan", new { qr = qr.Qr });
        await WaitForStateAsync(session, SessionState.Connected);
        return session;
    }

    /// <summary>Pairs a plain <see cref="WaClient"/> with a new phone, for a peer the test drives directly.</summary>
    public async Task<WaClient> PairClientAsync(string phone, Func<WaEvent, CancellationToken, ValueTask>? handler = null)
    {
        await Sim.CreatePhoneAsync(phone);
        var client = new WaClient(new InMemoryDeviceStore(), ClientOptions());
        _clients.Add(client);
        var qr = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.AddEventHandler(async (e, cancellationToken) =>
        {
            if (e is QrCodeEvent code)
            {
                qr.TrySetResult(code.Code);
            }
            else if (e is ConnectedEvent)
            {
                connected.TrySetResult();
            }

            if (handler is not null)
            {
                await handler(e, cancellationToken);
            }
        });
        await client.StartAsync();
        await Sim.PostOkAsync($"sim/phones/{phone}/scan", new { qr = await qr.Task.WaitAsync(WaitTimeout) });
        await connected.Task.WaitAsync(WaitTimeout);
        return client;
    }

    /// <summary>Waits until the session is in <paramref name="state"/> (and <paramref name="also"/> holds).</summary>
    public static async Task<SessionStatus> WaitForStateAsync(ISessionGrain session, SessionState state, Func<SessionStatus, bool>? also = null)
    {
        SessionStatus? last = null;
        await WaitUntilAsync(
            async () =>
            {
                last = await session.GetStatusAsync();
                return last.State == state && (also?.Invoke(last) ?? true);
            },
            $"state {state} (last: {last})");
        return last!;
    }

    /// <summary>Gets a phone's inbox: the messages it decrypted.</summary>
    public async Task<JsonArray> InboxAsync(string phone) => (await Sim.GetJsonAsync($"sim/phones/{phone}/inbox"))["messages"]!.AsArray();

    /// <summary>Waits until the phone's inbox holds the message and returns the entry.</summary>
    public async Task<JsonNode> WaitForInboxAsync(string phone, string messageId)
    {
        JsonNode? entry = null;
        await WaitUntilAsync(
            async () =>
            {
                entry = (await InboxAsync(phone)).FirstOrDefault(m => m!["id"]!.GetValue<string>() == messageId);
                return entry is not null;
            },
            $"message {messageId} in {phone}'s inbox");
        return entry!;
    }

    /// <summary>Runs a scalar query on the storage.</summary>
    public async Task<long> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        var connection = await Storage.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = value;
                command.Parameters.Add(parameter);
            }

            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Polls until <paramref name="condition"/> holds.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? WaitTimeout);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Stops the clients, the silo and WaSim, and deletes the data.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        await StopSiloAsync();
        Sim.Dispose();
        await Server.DisposeAsync();
        if (_schema is not null)
        {
            await using var admin = NpgsqlDataSource.Create(PostgresTestDatabase.RequireConnectionString());
            await using var drop = admin.CreateCommand($"DROP SCHEMA {_schema} CASCADE");
            await drop.ExecuteNonQueryAsync();
        }

        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private bool TrustsSimMediaHost(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        errors == SslPolicyErrors.None
        || (certificate is not null && certificate.GetCertHash(HashAlgorithmName.SHA256).AsSpan().SequenceEqual(Server.MediaCertificateSha256.Span));
}

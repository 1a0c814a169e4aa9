using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using WaOrleans.Simulator;
using WaOrleans.Simulator.Tests.Support;

namespace WaOrleans.Api.Tests.Support;

/// <summary>
/// WaSim in the test process and the real gateway executable pointed at it, with a configured
/// admin key: the API as a user meets it. One per collection; tests create their own tenants,
/// sessions and phones with unique ids, so they do not depend on each other.
/// </summary>
public abstract class GatewayFixture : IAsyncLifetime
{
    /// <summary>How long waits for the gateway or a phone may take on a busy 2-core machine.</summary>
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(60);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "waorleans-api-" + Guid.NewGuid().ToString("N"));

    /// <summary>Gets the configured admin key.</summary>
    public string AdminKey { get; } = "wao_test_admin_" + Guid.NewGuid().ToString("N");

    /// <summary>Gets WaSim.</summary>
    public WaSimServer Server { get; private set; } = null!;

    /// <summary>Gets WaSim's control API.</summary>
    public SimClient Sim { get; private set; } = null!;

    /// <summary>Gets the gateway process.</summary>
    public GatewayProcess Gateway { get; private set; } = null!;

    /// <summary>Gets a client with the admin key.</summary>
    public HttpClient Admin { get; private set; } = null!;

    /// <summary>Gets the settings that pick the storage.</summary>
    protected abstract IReadOnlyDictionary<string, string?> StorageSettings { get; }

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        Server = await WaSimServer.StartAsync(new WaSimOptions(), NullLoggerFactory.Instance);
        Sim = new SimClient(Server);
        var settings = new Dictionary<string, string?>(StorageSettings)
        {
            ["WAORLEANS__ADMINKEY"] = AdminKey,
            ["WAORLEANS__WHATSAPP__ENDPOINT"] = Server.WebSocketUri.ToString(),
            ["WAORLEANS__WHATSAPP__ROOTKEY"] = Convert.ToHexString(Server.RootPublicKey),
            // The webhook receivers of the tests listen on loopback.
            ["WAORLEANS__WEBHOOKS__ALLOWPRIVATETARGETS"] = "true",
            ["WAORLEANS__WEBHOOKS__POLLINTERVAL"] = "00:00:00.200",
            ["WAORLEANS__WHATSAPP__MEDIACERTIFICATESHA256"] = Convert.ToHexString(Server.MediaCertificateSha256.Span),
        };
        Gateway = await GatewayProcess.StartAsync(_directory, settings);
        Admin = Client(AdminKey);
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        Admin?.Dispose();
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }

        Sim?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a dying process; the temp directory is cleaned eventually.
        }
    }

    /// <summary>Creates a client sending <paramref name="key"/> as a bearer token (none when null).</summary>
    public HttpClient Client(string? key)
    {
        var client = new HttpClient { BaseAddress = Gateway.BaseUri, Timeout = TimeSpan.FromSeconds(90) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    /// <summary>Gets a fresh id with a prefix.</summary>
    public static string NewId(string prefix) => prefix + Guid.NewGuid().ToString("N")[..10];

    /// <summary>Creates a simulated phone with a fresh number and returns the number.</summary>
    public async Task<string> NewPhoneAsync(string pushName = "Sim Phone")
    {
        var phone = "1555" + Random.Shared.Next(1_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Sim.CreatePhoneAsync(phone, pushName);
        return phone;
    }

    /// <summary>Creates a tenant (admin) and returns its id.</summary>
    public async Task<string> NewTenantAsync(int? maxSessions = null, int? dailyMessageLimit = null)
    {
        var id = NewId("t-");
        await Admin.PostJsonOkAsync("api/tenants", new { tenantId = id, maxSessions, dailyMessageLimit }, 201);
        return id;
    }

    /// <summary>Creates a key with the admin key; returns its id and the key.</summary>
    public async Task<(string Id, string Key)> NewKeyAsync(string kind, string? tenantId = null, string? sessionId = null)
    {
        var created = await Admin.PostJsonOkAsync("api/keys", new { kind, tenantId, sessionId, name = "test " + kind }, 201);
        return (created["id"]!.GetValue<string>(), created["key"]!.GetValue<string>());
    }

    /// <summary>Creates a session with the given client; returns its id.</summary>
    public static async Task<string> NewSessionAsync(HttpClient client, string? tenantId = null)
    {
        var id = NewId("s-");
        await client.PostJsonOkAsync("api/sessions", new { id, name = "test session", tenantId }, 201);
        return id;
    }

    /// <summary>Creates a session (admin, default tenant unless named) and pairs it with a new simulated phone by QR; returns both.</summary>
    public async Task<(string SessionId, string Phone)> NewPairedSessionAsync(string? tenantId = null)
    {
        var phone = await NewPhoneAsync();
        var session = await NewSessionAsync(Admin, tenantId);
        await PairAsync(Admin, session, phone);
        return (session, phone);
    }

    /// <summary>Connects a session by QR and lets the simulated phone scan it; waits until connected.</summary>
    public async Task PairAsync(HttpClient client, string sessionId, string phone)
    {
        ArgumentNullException.ThrowIfNull(client);
        await client.PostJsonOkAsync($"api/sessions/{sessionId}/connect", new { method = "qr" });
        string? qr = null;
        await WaitUntilAsync(async () =>
        {
            using var response = await client.GetAsync($"api/sessions/{sessionId}/qr");
            if (!response.IsSuccessStatusCode)
            {
                return false;
            }

            qr = (await response.ReadJsonAsync())["qr"]!.GetValue<string>();
            return true;
        }, $"a QR for {sessionId}");
        await Sim.PostOkAsync($"sim/phones/{phone}/scan", new { qr });
        await WaitUntilAsync(async () => (await client.GetJsonOkAsync($"api/sessions/{sessionId}"))["status"]!.GetValue<string>() == "connected", $"{sessionId} to connect");
    }

    /// <summary>Gets the phone's inbox messages.</summary>
    public async Task<JsonArray> InboxAsync(string phone) => (JsonArray)(await Sim.GetJsonAsync($"sim/phones/{phone}/inbox"))["messages"]!;

    /// <summary>Polls until the condition holds.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + WaitTimeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(200);
        }
    }
}

/// <summary>The gateway on its embedded SQLite database (the default single node).</summary>
public sealed class SqliteGatewayFixture : GatewayFixture
{
    /// <inheritdoc/>
    protected override IReadOnlyDictionary<string, string?> StorageSettings { get; } = new Dictionary<string, string?>();
}

/// <summary>The gateway as a cluster member on the test PostgreSQL (<c>WAORLEANS_TEST_POSTGRES</c>).</summary>
public sealed class PostgresGatewayFixture : GatewayFixture
{
    private const string PostgresVariable = "WAORLEANS_TEST_POSTGRES";

    /// <inheritdoc/>
    protected override IReadOnlyDictionary<string, string?> StorageSettings { get; } = new Dictionary<string, string?>
    {
        ["WAORLEANS__STORAGE__PROVIDER"] = "postgres",
        ["WAORLEANS__STORAGE__CONNECTIONSTRING"] = Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{PostgresVariable} is not set: run ./test.sh, or leave these out with --filter Category!=Postgres"),
        // A cluster id of its own, so this node never joins another test's cluster in the same database.
        ["WAORLEANS__CLUSTER__CLUSTERID"] = "api-tests-" + Guid.NewGuid().ToString("N")[..8],
    };
}

/// <summary>The tests sharing one SQLite gateway.</summary>
[CollectionDefinition(Name)]
public sealed class SqliteGatewayCollection : ICollectionFixture<SqliteGatewayFixture>
{
    /// <summary>The collection name.</summary>
    public const string Name = "sqlite gateway";
}

/// <summary>The tests sharing one PostgreSQL gateway.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresGatewayCollection : ICollectionFixture<PostgresGatewayFixture>
{
    /// <summary>The collection name.</summary>
    public const string Name = "postgres gateway";
}

using WaOrleans.Grains.Sessions;
using WaOrleans.Grains.Webhooks;

namespace WaOrleans.Silo;

/// <summary>The gateway's settings, bound from the <c>WaOrleans</c> configuration section (environment: <c>WAORLEANS__…</c>).</summary>
public sealed class GatewayOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string Section = "WaOrleans";

    /// <summary>Gets the storage settings.</summary>
    public StorageOptions Storage { get; init; } = new();

    /// <summary>Gets the cluster settings, used when the storage is PostgreSQL.</summary>
    public ClusterSettings Cluster { get; init; } = new();

    /// <summary>Gets the WhatsApp connection settings.</summary>
    public WhatsAppOptions WhatsApp { get; init; } = new();

    /// <summary>
    /// Gets the webhook policy and timings (<c>WaOrleans:Webhooks</c>: <c>AllowPrivateTargets</c>,
    /// <c>Timeout</c>, <c>BackoffBase</c>, <c>RetryWindow</c>, <c>DisableAfter</c>, <c>PollInterval</c>,
    /// <c>MaxConcurrencyPerWebhook</c>, <c>MaxConcurrency</c>, <c>Lease</c>); the silo binds this
    /// section into the <see cref="WebhookOptions"/> its grains read.
    /// </summary>
    public WebhookOptions Webhooks { get; init; } = new();

    /// <summary>
    /// Gets the session limits (<c>WaOrleans:Limits</c>: <c>DefaultSessionDailyLimit</c>,
    /// <c>MinSendInterval</c>) the session grains enforce.
    /// </summary>
    public SessionLimits Limits { get; init; } = new();

    /// <summary>Gets the HTTP settings of the REST API.</summary>
    public HttpOptions Http { get; init; } = new();

    /// <summary>
    /// Gets the admin key (<c>WaOrleans:AdminKey</c>). When absent, one is generated at first start,
    /// printed once to the console and kept only hashed.
    /// </summary>
    public string? AdminKey { get; init; }

    /// <summary>Gets whether the Orleans dashboard is served to the admin at <c>/orleans</c> (default true).</summary>
    public bool OrleansDashboard { get; init; } = true;
}

/// <summary>Where the REST API listens.</summary>
public sealed class HttpOptions
{
    /// <summary>The environment variable PaaS platforms set to the port to listen on; it wins over <see cref="Port"/>.</summary>
    public const string PortVariable = "PORT";

    /// <summary>Gets the port (all interfaces); default 8080.</summary>
    public int Port { get; init; } = 8080;
}

/// <summary>Where sessions are stored.</summary>
public sealed class StorageOptions
{
    /// <summary>The provider value that turns the node into a cluster member on PostgreSQL.</summary>
    public const string Postgres = "postgres";

    /// <summary>Gets the provider: <c>sqlite</c> (one node, the default) or <c>postgres</c> (a cluster).</summary>
    public string Provider { get; init; } = "sqlite";

    /// <summary>Gets the directory of the embedded SQLite database (default <c>data</c>, relative to the working directory).</summary>
    public string DataDirectory { get; init; } = "data";

    /// <summary>
    /// Gets how the embedded SQLite database flushes commits: <c>full</c> (the default: every commit
    /// survives a power cut) or <c>normal</c> (commits survive a process crash, not a power cut or an
    /// OS crash; several times the throughput on a disk with slow fsync). See <see cref="Grains.Storage.Sqlite.SqliteSynchronous"/>.
    /// </summary>
    public Grains.Storage.Sqlite.SqliteSynchronous SqliteSynchronous { get; init; } = Grains.Storage.Sqlite.SqliteSynchronous.Full;

    /// <summary>Gets the PostgreSQL connection string (Npgsql syntax), required with the <c>postgres</c> provider.</summary>
    public string? ConnectionString { get; init; }

    /// <summary>Gets whether the provider is PostgreSQL.</summary>
    public bool IsPostgres => string.Equals(Provider, Postgres, StringComparison.OrdinalIgnoreCase);
}

/// <summary>How a node joins a PostgreSQL cluster.</summary>
public sealed class ClusterSettings
{
    /// <summary>Gets the cluster id: silos with the same id (and database) form one cluster.</summary>
    public string ClusterId { get; init; } = "waorleans";

    /// <summary>Gets the service id, which keys grain state and reminders; keep it across deployments.</summary>
    public string ServiceId { get; init; } = "waorleans";

    /// <summary>Gets the silo-to-silo port (also the single node's, on localhost).</summary>
    public int SiloPort { get; init; } = 11111;

    /// <summary>Gets the port clients connect to.</summary>
    public int GatewayPort { get; init; } = 30000;

    /// <summary>
    /// Gets the address other silos reach this one at: null for loopback (all silos on one machine,
    /// as deploy/cluster.sh runs them), an IP address, or <c>auto</c> for this host name's first
    /// IPv4 address (a container). Any value but loopback listens on every interface.
    /// </summary>
    public string? AdvertisedAddress { get; init; }

    /// <summary>
    /// Gets whether the silo runs in Kubernetes (Orleans' Kubernetes hosting): the pod's IP,
    /// name and namespace come from the POD_* environment variables, and the silos delete the pods
    /// of silos the cluster declared dead (deploy/k8s has the RBAC role this needs).
    /// </summary>
    public bool Kubernetes { get; init; }
}

/// <summary>Where sessions connect to.</summary>
public sealed class WhatsAppOptions
{
    /// <summary>Gets the WebSocket endpoint, or null for WhatsApp's own (a WaSim URL for tests and demos).</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>Gets the server's root public key in hex, or null for WhatsApp's (WaSim prints its own at startup).</summary>
    public string? RootKey { get; init; }

    /// <summary>
    /// Gets the SHA-256 (hex) of the media host's certificate to accept in place of a trusted chain,
    /// or null to require a trusted one (WhatsApp's CDN). Only for a self-signed WaSim media host.
    /// </summary>
    public string? MediaCertificateSha256 { get; init; }
}

using System.Net;
using System.Net.Sockets;
using Orleans.Configuration;
using Orleans.Hosting;
using WaOrleans.Grains.Hosting;

namespace WaOrleans.Silo;

/// <summary>The cluster mode: ADO.NET clustering, grain storage and reminders on PostgreSQL, tuned for failover in seconds.</summary>
internal static class ClusterHosting
{
    /// <summary>The ADO.NET invariant of Npgsql; every provider must name it (the storage default is SQL Server).</summary>
    public const string NpgsqlInvariant = "Npgsql";

    /// <summary>
    /// The first probe timeout and period. ORLEANS.md §2.1: 2 s found a kill -9 dead in 2–6 s on
    /// loopback; below about 1 s, GC or CPU stalls on a busy machine start false suspicions.
    /// </summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The cap of the learned probe timeout. It bounds how long a hung (not crashed) silo keeps its
    /// sessions: the liveness window is this times the missed-probe limit, 12 s instead of 60 s.
    /// </summary>
    public static readonly TimeSpan MaxProbeTimeout = TimeSpan.FromSeconds(4);

    /// <summary>Missed probes before a vote: Orleans' default; fewer makes one lost packet a vote.</summary>
    public const int MissedProbesLimit = 3;

    /// <summary>Votes to declare a death: two with three or more silos (Orleans needs a majority of fewer).</summary>
    public const int VotesForDeath = 2;

    /// <summary>
    /// How long a suspicion vote counts. The default 2 min lets votes from an old hiccup add up with
    /// a new one; a few probe windows is enough to collect the second vote of a real death.
    /// </summary>
    public static readonly TimeSpan DeathVoteExpiration = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The distributed directory's safety lease after a silo dies ungracefully: Orleans' default
    /// (30 s minus the 12 s detection window) refused to re-register a dead silo's grains for
    /// 18 s, which was most of a measured 20–24 s failover. The lease guards against a silo that
    /// was declared dead while only frozen still running its activations; a session grain fences
    /// that case itself (its epoch in the sessions table, ORLEANS.md §2.4), so the lease is off.
    /// </summary>
    public static readonly TimeSpan DirectoryRangeLease = TimeSpan.Zero;

    /// <summary>The <c>AdvertisedAddress</c> value that picks this host's own IPv4 address (a container's).</summary>
    public const string AutoAddress = "auto";

    /// <summary>The grain storage name, the default provider of every grain that declares state.</summary>
    public const string GrainStorageName = "Default";

    /// <summary>
    /// Configures the single node on the embedded database: localhost clustering on the configured
    /// ports (so a test or a second installation can pick free ones), and reminders in the SQLite
    /// file (migration 0014), so they survive a restart like the sessions do.
    /// </summary>
    public static void UseSingleNode(this ISiloBuilder silo, ClusterSettings cluster)
    {
        silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort);
        silo.UseSqliteReminderService();
    }

    /// <summary>Configures the silo as a member of the PostgreSQL cluster.</summary>
    public static void UsePostgresCluster(this ISiloBuilder silo, string connectionString, ClusterSettings cluster)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.ServiceId = cluster.ServiceId;
        });
        ConfigureEndpoints(silo, cluster);
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = NpgsqlInvariant;
            o.ConnectionString = connectionString;
        });
        silo.AddAdoNetGrainStorage(GrainStorageName, o =>
        {
            o.Invariant = NpgsqlInvariant;
            o.ConnectionString = connectionString;
        });
        // ORLEANS.md §1.2: the default serializer writes .NET type names into the rows.
        silo.UseSystemTextJsonGrainStorageSerializer();
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = NpgsqlInvariant;
            o.ConnectionString = connectionString;
        });
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = ProbeTimeout;
            o.MaxProbeTimeout = MaxProbeTimeout;
            o.NumMissedProbesLimit = MissedProbesLimit;
            o.NumVotesForDeathDeclaration = VotesForDeath;
            o.DeathVoteExpirationTimeout = DeathVoteExpiration;
        });
        // ORLEANS.md §2.2: with the default directory, a dead silo makes the survivors deactivate
        // their own healthy sessions whose directory partition it owned.
#pragma warning disable ORLEANSEXP003
        silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
        silo.Configure<GrainDirectoryOptions>(o => o.RangeLeaseDuration = DirectoryRangeLease);
    }

    private static void ConfigureEndpoints(ISiloBuilder silo, ClusterSettings cluster)
    {
        if (cluster.Kubernetes)
        {
            // The Kubernetes hosting advertises the pod IP (POD_IP) and listens on every interface;
            // only the ports are ours.
            silo.Configure<EndpointOptions>(o =>
            {
                o.SiloPort = cluster.SiloPort;
                o.GatewayPort = cluster.GatewayPort;
            });
            silo.UseKubernetesHosting();
            return;
        }

        var advertised = cluster.AdvertisedAddress switch
        {
            null or "" => IPAddress.Loopback,
            AutoAddress => Dns.GetHostAddresses(Dns.GetHostName()).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
                ?? throw new InvalidOperationException($"WaOrleans:Cluster:AdvertisedAddress=auto found no IPv4 address for host {Dns.GetHostName()}"),
            var value => IPAddress.Parse(value),
        };
        silo.ConfigureEndpoints(advertised, cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(advertised));
    }
}

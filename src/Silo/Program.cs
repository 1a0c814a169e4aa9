using System.Globalization;
using WaOrleans.Api;
using WaOrleans.Api.Operations;
using WaOrleans.Grains.Hosting;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Storage.Postgres;
using WaOrleans.Grains.Storage.Sqlite;
using WaOrleans.Grains.Webhooks;
using WaOrleans.Protocol.Client;
using WaOrleans.Silo;

// One process: the Orleans silo and the REST API. Storage=sqlite (default): one node, localhost
// clustering and the embedded SQLite database, nothing else to install. Storage=postgres: a
// cluster member on the shared PostgreSQL database.
var builder = WebApplication.CreateBuilder(args);
var settings = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
string? connectionString = null;
if (settings.Storage.IsPostgres)
{
    connectionString = settings.Storage.ConnectionString is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException("WaOrleans:Storage:ConnectionString is required with Storage:Provider=postgres");
}

// The migrations (ours and Orleans' own scripts) run before the silo starts, under an advisory
// lock, so silos starting together apply each once.
await using DeviceStorage storage = connectionString is null
    ? await SqliteStorage.OpenAsync(settings.Storage.DataDirectory)
    : await PostgresStorage.OpenAsync(connectionString);

var clientOptions = new WaClientOptions();
if (settings.WhatsApp.Endpoint is { } endpoint)
{
    clientOptions = clientOptions with { Endpoint = endpoint };
}

if (settings.WhatsApp.RootKey is { } rootKey)
{
    clientOptions = clientOptions with { RootKey = Convert.FromHexString(rootKey) };
}

if (settings.WhatsApp.MediaCertificateSha256 is { } pinned)
{
    var pin = Convert.FromHexString(pinned);
    clientOptions = clientOptions with
    {
        MediaCertificateValidation = (_, certificate, _, errors) =>
            errors == System.Net.Security.SslPolicyErrors.None
            || certificate is not null && certificate.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256).AsSpan().SequenceEqual(pin),
    };
}

var port = Environment.GetEnvironmentVariable(HttpOptions.PortVariable) is { Length: > 0 } paasPort
    ? int.Parse(paasPort, CultureInfo.InvariantCulture)
    : settings.Http.Port;
builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenAnyIP(port));

builder.UseOrleans(silo =>
{
    if (connectionString is null)
    {
        silo.UseLocalhostClustering(settings.Cluster.SiloPort, settings.Cluster.GatewayPort);
        // Orleans has no SQLite reminder table: reminders live in memory, and the sessions table's
        // should_be_online flag (the startup resume) is what survives a restart.
        silo.UseInMemoryReminderService();
    }
    else
    {
        silo.UsePostgresCluster(connectionString, settings.Cluster);
    }

    silo.AddWaSessions(storage, clientOptions);
    if (settings.OrleansDashboard)
    {
        silo.AddWaOrleansDashboard();
    }

    silo.Services.Configure<WebhookOptions>(builder.Configuration.GetSection(WebhookOptions.Section));
});
builder.Services.AddWaOrleansApi();

var app = builder.Build();
app.MapWaOrleansApi();
await app.RunAsync();

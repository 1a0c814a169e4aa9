using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using WaOrleans.Api;
using WaOrleans.Api.Dashboard;
using WaOrleans.Api.Operations;
using WaOrleans.Grains.Hosting;
using WaOrleans.Grains.Sessions;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Storage.Postgres;
using WaOrleans.Grains.Storage.Sqlite;
using WaOrleans.Grains.Webhooks;
using WaOrleans.Protocol.Client;
using WaOrleans.Silo;
using WaOrleans.Silo.Demo;

// One process: the Orleans silo and the REST API. Storage=sqlite (default): one node, localhost
// clustering and the embedded SQLite database, nothing else to install. Storage=postgres: a
// cluster member on the shared PostgreSQL database.
var demoSwitch = DemoMode.TakeSwitch(ref args);
// appsettings.json ships beside the executable, so it applies wherever the gateway is started
// from; relative paths in it (the data directory) still resolve against the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

// --demo: WaSim runs in this process, and the configuration added here points every session at it.
await using var demo = demoSwitch || builder.Configuration.GetValue<bool>(DemoMode.EnabledKey)
    ? await DemoMode.StartAsync(builder.Configuration[DemoMode.DataDirectoryKey] ?? new StorageOptions().DataDirectory, NullLoggerFactory.Instance)
    : null;
if (demo is not null)
{
    builder.Configuration.AddInMemoryCollection(demo.Configuration);
}

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
    ? await SqliteStorage.OpenAsync(settings.Storage.DataDirectory, settings.Storage.SqliteSynchronous)
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

if (settings.WhatsApp.MediaCertificateSha256 is { } pin)
{
    clientOptions = clientOptions with { MediaCertificateValidation = MediaCertificatePin.Create(pin) };
}

var port = Environment.GetEnvironmentVariable(HttpOptions.PortVariable) is { Length: > 0 } paasPort
    ? int.Parse(paasPort, CultureInfo.InvariantCulture)
    : settings.Http.Port;
builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenAnyIP(port));

builder.UseOrleans(silo =>
{
    if (connectionString is null)
    {
        silo.UseSingleNode(settings.Cluster);
    }
    else
    {
        silo.UsePostgresCluster(connectionString, settings.Cluster);
    }

    silo.AddWaSessions(storage, clientOptions, settings.Limits);
    if (settings.OrleansDashboard)
    {
        silo.AddWaOrleansDashboard();
    }

    silo.Services.Configure<WebhookOptions>(builder.Configuration.GetSection(WebhookOptions.Section));
    silo.Services.Configure<MediaOptions>(builder.Configuration.GetSection(MediaOptions.Section));
    silo.Services.Configure<RetentionOptions>(builder.Configuration.GetSection(RetentionOptions.Section));
});
builder.Services.AddWaOrleansApi();

var app = builder.Build();
app.MapWaOrleansApi();
app.MapDashboard();
if (demo is not null)
{
    app.MapDemoEndpoints(demo).RequireAuthorization(WaOrleansApi.AdminPolicy);
    app.Lifetime.ApplicationStarted.Register(() => demo.PrintBanner(Console.Out, [$"http://localhost:{port}/"]));
}

await app.RunAsync();

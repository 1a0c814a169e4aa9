using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using WaOrleans.Grains.Hosting;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Storage.Postgres;
using WaOrleans.Grains.Storage.Sqlite;
using WaOrleans.Protocol.Client;
using WaOrleans.Silo;

// Storage=sqlite (default): one node, localhost clustering and the embedded SQLite database,
// nothing else to install. Storage=postgres: a cluster member on the shared PostgreSQL database.
var builder = Host.CreateApplicationBuilder(args);
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

    silo.AddWaSessions(storage, clientOptions);
});

using var host = builder.Build();
await host.RunAsync();

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using WaOrleans.Grains.Hosting;
using WaOrleans.Grains.Storage.Sqlite;
using WaOrleans.Protocol.Client;
using WaOrleans.Silo;

// One node: localhost clustering and the embedded SQLite database, nothing else to install.
// PostgreSQL clustering (Storage=postgres) is issue 6's next step.
var builder = Host.CreateApplicationBuilder(args);
var settings = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
await using var storage = await SqliteStorage.OpenAsync(settings.Storage.DataDirectory);

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
    silo.UseLocalhostClustering();
    // Orleans has no SQLite reminder table: reminders live in memory, and the sessions table's
    // should_be_online flag (the startup resume) is what survives a restart.
    silo.UseInMemoryReminderService();
    silo.AddWaSessions(storage, clientOptions);
});

using var host = builder.Build();
await host.RunAsync();

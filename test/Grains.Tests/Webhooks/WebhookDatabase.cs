using Microsoft.Data.Sqlite;
using Npgsql;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Storage.Postgres;
using WaOrleans.Grains.Storage.Sqlite;
using WaOrleans.Grains.Tests.Support;

namespace WaOrleans.Grains.Tests.Webhooks;

/// <summary>The two providers the webhook tests run on.</summary>
public enum Provider
{
    /// <summary>A SQLite file in a temporary directory.</summary>
    Sqlite,

    /// <summary>A private schema in the test PostgreSQL database.</summary>
    Postgres,
}

/// <summary>
/// A database of the test's own: a fresh SQLite file, or a fresh PostgreSQL schema, so the workers
/// of one test never see another test's deliveries. Dropped afterwards.
/// </summary>
public sealed class WebhookDatabase : IAsyncDisposable
{
    private readonly Provider _provider;
    private readonly string _location;
    private readonly List<DeviceStorage> _opened = [];

    private WebhookDatabase(Provider provider, string location)
    {
        _provider = provider;
        _location = location;
    }

    /// <summary>Gets the storage opened first.</summary>
    public DeviceStorage Storage => _opened[0];

    /// <summary>Creates the database and opens it (applying the migrations).</summary>
    public static async Task<WebhookDatabase> CreateAsync(Provider provider)
    {
        if (provider == Provider.Sqlite)
        {
            var database = new WebhookDatabase(provider, Path.Combine(Path.GetTempPath(), "waorleans-webhooks-" + Guid.NewGuid().ToString("N")));
            await database.OpenAsync();
            return database;
        }

        // A schema of its own stands in for a database: the test role may create schemas, not
        // databases. Identifiers cannot be parameters; this one is a generated GUID.
        var schema = "webhooks_" + Guid.NewGuid().ToString("N");
        await using (var admin = NpgsqlDataSource.Create(PostgresTestDatabase.RequireConnectionString()))
        await using (var create = admin.CreateCommand($"CREATE SCHEMA {schema}"))
        {
            await create.ExecuteNonQueryAsync();
        }

        var postgres = new WebhookDatabase(provider, schema);
        await postgres.OpenAsync();
        return postgres;
    }

    /// <summary>Opens another, independent storage on the same database, as a restarted process would.</summary>
    public async Task<DeviceStorage> OpenAsync()
    {
        DeviceStorage storage = _provider == Provider.Sqlite
            ? await SqliteStorage.OpenAsync(_location)
            : await PostgresStorage.OpenAsync(new NpgsqlConnectionStringBuilder(PostgresTestDatabase.RequireConnectionString()) { SearchPath = _location }.ConnectionString);
        _opened.Add(storage);
        return storage;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var storage in _opened)
        {
            await storage.DisposeAsync();
        }

        if (_provider == Provider.Sqlite)
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(_location, recursive: true);
        }
        else
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = NpgsqlDataSource.Create(PostgresTestDatabase.RequireConnectionString());
            await using var drop = admin.CreateCommand($"DROP SCHEMA {_location} CASCADE");
            await drop.ExecuteNonQueryAsync();
        }
    }
}

using Npgsql;
using WaOrleans.Grains.Storage.Postgres;
using WaOrleans.Grains.Tests.Support;

namespace WaOrleans.Grains.Tests.Storage.Postgres;

/// <summary>How the cluster database behaves when several silos start against it.</summary>
[Trait("Category", "Postgres")]
public sealed class PostgresStorageTests
{
    private const int Silos = 4;

    [PostgresFact]
    public async Task Silos_starting_together_on_an_empty_database_apply_each_migration_once()
    {
        // A schema of its own stands in for an empty database: the role may create schemas, not
        // databases. Identifiers cannot be parameters; this one is a generated GUID.
        var connectionString = PostgresTestDatabase.RequireConnectionString();
        var schema = "migrate_" + Guid.NewGuid().ToString("N");
        await using var admin = NpgsqlDataSource.Create(connectionString);
        await using (var create = admin.CreateCommand($"CREATE SCHEMA {schema}"))
        {
            await create.ExecuteNonQueryAsync();
        }

        try
        {
            var scoped = new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = schema }.ConnectionString;
            var silos = await Task.WhenAll(Enumerable.Range(0, Silos).Select(_ => PostgresStorage.OpenAsync(scoped)));
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }

            await using var count = admin.CreateCommand($"SELECT COUNT(*) FROM {schema}.schema_migrations WHERE version = 1");
            Assert.Equal(1L, await count.ExecuteScalarAsync());

            // Orleans' own scripts (migrations 3-6) ran once too: Main's query table holds every
            // query the clustering, persistence and reminder providers look up by key.
            await using var orleans = admin.CreateCommand(
                $"SELECT COUNT(*) FROM {schema}.schema_migrations WHERE version BETWEEN 3 AND 6");
            Assert.Equal(4L, await orleans.ExecuteScalarAsync());
            await using var queries = admin.CreateCommand(
                $"SELECT COUNT(*) FROM {schema}.orleansquery WHERE querykey IN ('InsertMembershipKey', 'WriteToStorageKey', 'UpsertReminderRowKey', 'CleanupDefunctSiloEntriesKey')");
            Assert.Equal(4L, await queries.ExecuteScalarAsync());
        }
        finally
        {
            await using var drop = admin.CreateCommand($"DROP SCHEMA {schema} CASCADE");
            await drop.ExecuteNonQueryAsync();
        }
    }

    [PostgresFact]
    public async Task Describing_the_storage_names_the_database_and_never_the_password()
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresTestDatabase.RequireConnectionString()) { Password = "not-to-be-printed" };
        await using var storage = await PostgresStorage.OpenAsync(builder.ConnectionString);

        Assert.Contains(builder.Database!, storage.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("not-to-be-printed", storage.ToString(), StringComparison.Ordinal);
    }
}

using Microsoft.Data.Sqlite;
using Npgsql;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Tests.Support;

namespace WaOrleans.Grains.Tests.Storage;

/// <summary>
/// Migration 0011 on a database that already holds sends from before it: the outbound rows become
/// log rows (same ids and idempotency keys, so a retried key still replays), sessions get the
/// default tenant and a creation time, and the old table is gone.
/// </summary>
public sealed class MessageLogMigrationTests
{
    [Fact]
    public async Task Sqlite_outbound_rows_move_into_the_message_log()
    {
        var path = Path.Combine(Path.GetTempPath(), "waorleans-migration-" + Guid.NewGuid().ToString("N") + ".db");
        try
        {
            await using var connection = new SqliteConnection($"Data Source={path}");
            await connection.OpenAsync();
            await RunAsync(connection, StorageConstants.SqliteMigrationsPrefix);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(path);
        }
    }

    [PostgresFact]
    [Trait("Category", "Postgres")]
    public async Task Postgres_outbound_rows_move_into_the_message_log()
    {
        var schema = "mig_" + Guid.NewGuid().ToString("N");
        await using var connection = new NpgsqlConnection(PostgresTestDatabase.RequireConnectionString());
        await connection.OpenAsync();
        await ExecuteAsync(connection, $"CREATE SCHEMA {schema}; SET search_path TO {schema}");
        try
        {
            await RunAsync(connection, StorageConstants.PostgresMigrationsPrefix);
        }
        finally
        {
            await ExecuteAsync(connection, $"SET search_path TO public; DROP SCHEMA {schema} CASCADE");
        }
    }

    private static async Task RunAsync(System.Data.Common.DbConnection connection, string prefix)
    {
        var migrations = new SchemaMigrator(prefix, static (_, _, _) => Task.CompletedTask).Migrations;
        foreach (var migration in migrations.Where(m => m.Version <= 10 && !m.Name.Contains("PostgreSQL", StringComparison.Ordinal)))
        {
            await ExecuteAsync(connection, migration.Sql);
        }

        await ExecuteAsync(connection,
            "INSERT INTO sessions (session_id, status, updated_at) VALUES ('old', 'connected', 1700000000000); " +
            "INSERT INTO outbound_messages (session_id, message_id, idempotency_key, recipient, status, reason, created_at, updated_at) " +
            "VALUES ('old', '3EB0OLD', 'key-1', '15551234567@s.whatsapp.net', 'sent', NULL, 1700000000001, 1700000000002)");

        await ExecuteAsync(connection, migrations.Single(m => m.Version == 11).Sql);

        Assert.Equal("out|default|15551234567@s.whatsapp.net|sent|text|key-1|1700000000001",
            await ScalarAsync(connection, "SELECT direction || '|' || tenant_id || '|' || chat || '|' || status || '|' || type || '|' || idempotency_key || '|' || CAST(created_at AS TEXT) FROM messages WHERE message_id = '3EB0OLD'"));
        Assert.Equal("default|1700000000000", await ScalarAsync(connection, "SELECT tenant_id || '|' || CAST(created_at AS TEXT) FROM sessions WHERE session_id = 'old'"));
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => ScalarAsync(connection, "SELECT COUNT(*) FROM outbound_messages"));
    }

    private static async Task ExecuteAsync(System.Data.Common.DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string?> ScalarAsync(System.Data.Common.DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (await command.ExecuteScalarAsync())?.ToString();
    }
}

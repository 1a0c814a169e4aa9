using Npgsql;

namespace WaOrleans.Cluster.Tests;

/// <summary>
/// A database of its own for each cluster test on the shared test PostgreSQL: a new cluster's
/// silos bring back every session marked online in their database, so sessions left by an
/// earlier test (paired with another WaSim) must not be in it.
/// </summary>
public static class TestDatabase
{
    /// <summary>Creates a database named after <paramref name="name"/> and returns the connection string for it.</summary>
    /// <remarks>
    /// test/postgres.sh's cluster trusts local connections, so the postgres superuser creates it
    /// for the test role; where that is not allowed, the shared database is used as it is.
    /// </remarks>
    public static async Task<string> CreateAsync(string shared, string name)
    {
        var target = new NpgsqlConnectionStringBuilder(shared);
        var database = name.Replace('-', '_');
        try
        {
            await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(shared) { Username = "postgres", Database = "postgres", Pooling = false }.ToString());
            await admin.OpenAsync();
            await using var create = admin.CreateCommand();
            // Both names are ours (a fixed prefix and hex digits, or the role of the connection string).
            create.CommandText = $"CREATE DATABASE \"{database}\" OWNER \"{target.Username}\"";
            await create.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            return shared;
        }

        target.Database = database;
        return target.ToString();
    }

    /// <summary>Drops a database <see cref="CreateAsync"/> created (nothing for the shared one).</summary>
    public static async Task DropAsync(string connectionString)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        if (target.Database is not { } database || !database.StartsWith("failover_", StringComparison.Ordinal))
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Username = "postgres", Database = "postgres", Pooling = false }.ToString());
        await admin.OpenAsync();
        await using var drop = admin.CreateCommand();
        drop.CommandText = $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)";
        await drop.ExecuteNonQueryAsync();
    }
}

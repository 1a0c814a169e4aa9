using System.Data.Common;
using Npgsql;

namespace WaOrleans.Grains.Storage.Postgres;

/// <summary>
/// The cluster database: every session's stores in PostgreSQL through an
/// <see cref="NpgsqlDataSource"/> (its connection pool), shared by all silos.
/// </summary>
public sealed class PostgresStorage : DeviceStorage
{
    private const string MigrationLockSql = "SELECT pg_advisory_xact_lock(@key)";

    private static readonly SchemaMigrator Migrator = new(StorageConstants.PostgresMigrationsPrefix, TakeMigrationLockAsync);

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;

    private PostgresStorage(NpgsqlDataSource dataSource, bool ownsDataSource)
    {
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
    }

    /// <summary>
    /// Opens the stores on a data source the caller owns (and disposes), and applies the schema
    /// migrations the database lacks; silos starting together apply each one once.
    /// </summary>
    public static async Task<PostgresStorage> OpenAsync(NpgsqlDataSource dataSource, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var storage = new PostgresStorage(dataSource, ownsDataSource: false);
        await storage.MigrateAsync(Migrator, time ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
        return storage;
    }

    /// <summary>Opens the stores on a new data source for the connection string, disposed with the storage.</summary>
    public static async Task<PostgresStorage> OpenAsync(string connectionString, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var dataSource = NpgsqlDataSource.Create(connectionString);
        var storage = new PostgresStorage(dataSource, ownsDataSource: true);
        try
        {
            await storage.MigrateAsync(Migrator, time ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
            return storage;
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Disposes the data source when the storage created it.</summary>
    public override ValueTask DisposeAsync() => _ownsDataSource ? _dataSource.DisposeAsync() : ValueTask.CompletedTask;

    /// <summary>Describes the storage by its database (never the password).</summary>
    public override string ToString()
    {
        var builder = new NpgsqlConnectionStringBuilder(_dataSource.ConnectionString);
        return $"PostgresStorage({builder.Host}:{builder.Port}/{builder.Database})";
    }

    /// <inheritdoc/>
    public override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    private static async Task TakeMigrationLockAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand(transaction, MigrationLockSql).With("@key", StorageConstants.PostgresMigrationLockKey);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}

using Microsoft.Data.Sqlite;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Storage.Postgres;
using WaOrleans.Grains.Storage.Sqlite;

namespace WaOrleans.Grains.Tests.Support;

/// <summary>Where the PostgreSQL tests find their database: test/postgres.sh starts one, test.sh exports it.</summary>
public static class PostgresTestDatabase
{
    /// <summary>The environment variable holding the connection string.</summary>
    public const string Variable = "WAORLEANS_TEST_POSTGRES";

    /// <summary>Why a PostgreSQL test cannot run when the variable is unset.</summary>
    public const string MissingMessage =
        Variable + " is not set: run ./test.sh, or `eval \"$(test/postgres.sh env)\"` after `test/postgres.sh start`, " +
        "or leave the PostgreSQL tests out with --filter Category!=Postgres";

    /// <summary>Gets the connection string, or null when the variable is unset.</summary>
    public static string? ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    /// <summary>Gets whether this is a CI run, where a missing database is a failure, never a skip.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Gets the connection string, or fails the test with <see cref="MissingMessage"/>.</summary>
    public static string RequireConnectionString() =>
        ConnectionString ?? throw new InvalidOperationException(MissingMessage);
}

/// <summary>
/// A test that needs PostgreSQL: skipped with the reason on a developer machine without the
/// database, but run (and failed with that reason) in CI, so CI never passes without it.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    /// <summary>Marks the test, skipping it locally when no database is configured.</summary>
    public PostgresFactAttribute()
    {
        if (PostgresTestDatabase.ConnectionString is null && !PostgresTestDatabase.IsCi)
        {
            Skip = PostgresTestDatabase.MissingMessage;
        }
    }
}

/// <summary>Opens a provider's storage for the tests and opens it again, as a restarted process would.</summary>
public interface IStorageFixture
{
    /// <summary>Gets the storage shared by a test class; tests keep apart by using their own session ids.</summary>
    DeviceStorage Storage { get; }

    /// <summary>Opens a second, independent storage on the same database (new pool, new data source).</summary>
    Task<DeviceStorage> ReopenAsync();
}

/// <summary>A SQLite database in a temporary directory, deleted afterwards.</summary>
public sealed class SqliteStorageFixture : IStorageFixture, IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "waorleans-tests-" + Guid.NewGuid().ToString("N"));
    private SqliteStorage? _storage;

    /// <inheritdoc/>
    public DeviceStorage Storage => _storage ?? throw new InvalidOperationException("the fixture is not initialized");

    /// <summary>Gets the data directory.</summary>
    public string Directory => _directory;

    /// <inheritdoc/>
    public async Task<DeviceStorage> ReopenAsync() => await SqliteStorage.OpenAsync(_directory);

    /// <inheritdoc/>
    public async Task InitializeAsync() => _storage = await SqliteStorage.OpenAsync(_directory);

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_storage is not null)
        {
            await _storage.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        System.IO.Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>The PostgreSQL database named by <see cref="PostgresTestDatabase.Variable"/>.</summary>
public sealed class PostgresStorageFixture : IStorageFixture, IAsyncLifetime
{
    private PostgresStorage? _storage;

    /// <inheritdoc/>
    public DeviceStorage Storage => _storage ?? throw new InvalidOperationException(PostgresTestDatabase.MissingMessage);

    /// <inheritdoc/>
    public async Task<DeviceStorage> ReopenAsync() => await PostgresStorage.OpenAsync(PostgresTestDatabase.RequireConnectionString());

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        // No throw here when the variable is unset: each test fails (or is skipped) with the reason instead.
        if (PostgresTestDatabase.ConnectionString is { } connectionString)
        {
            _storage = await PostgresStorage.OpenAsync(connectionString);
        }
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_storage is not null)
        {
            await _storage.DisposeAsync();
        }
    }
}

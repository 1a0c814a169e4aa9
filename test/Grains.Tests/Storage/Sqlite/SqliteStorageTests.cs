using Microsoft.Data.Sqlite;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Storage.Sqlite;

namespace WaOrleans.Grains.Tests.Storage.Sqlite;

/// <summary>How the embedded database is laid out and configured.</summary>
public sealed class SqliteStorageTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "waorleans-tests-" + Guid.NewGuid().ToString("N"), "data");

    [Fact]
    public async Task One_file_under_the_data_directory_in_wal_mode_with_a_busy_timeout()
    {
        await using var storage = await SqliteStorage.OpenAsync(_directory);

        Assert.Equal(Path.Combine(Path.GetFullPath(_directory), "waorleans.db"), storage.DatabasePath);
        Assert.True(File.Exists(storage.DatabasePath));
        await using var work = await storage.ForSession("probe").BeginUnitOfWorkAsync();
        await using (var mode = work.CreateCommand("PRAGMA journal_mode"))
        {
            Assert.Equal("wal", await mode.ExecuteScalarAsync());
        }

        await using (var timeout = work.CreateCommand("PRAGMA busy_timeout"))
        {
            Assert.Equal(10_000L, await timeout.ExecuteScalarAsync());
        }
    }

    [Fact]
    public async Task The_log_is_checkpointed_every_8192_pages_and_the_writer_caches_16_MiB()
    {
        await using var storage = await SqliteStorage.OpenAsync(_directory);
        await using var connection = await storage.OpenConnectionAsync();
        await using (var checkpoint = connection.CreateCommand(null, "PRAGMA wal_autocheckpoint"))
        {
            Assert.Equal(8192L, await checkpoint.ExecuteScalarAsync());
        }

        // A write transaction runs on the writer connection, whichever connection began it.
        var transaction = await storage.BeginTransactionAsync(connection);
        await using (transaction)
        await using (var cache = connection.CreateCommand(transaction, "PRAGMA cache_size"))
        {
            Assert.Equal(-16384L, await cache.ExecuteScalarAsync());
        }

        await using var reader = connection.CreateCommand(null, "PRAGMA cache_size");
        Assert.Equal(-2000L, await reader.ExecuteScalarAsync());
    }

    [Fact]
    public async Task The_log_is_copied_into_the_database_file_in_the_background_long_before_8192_pages()
    {
        await using var storage = await SqliteStorage.OpenAsync(_directory);
        var connection = await storage.OpenConnectionAsync();
        await using (connection)
        {
            await using var create = connection.CreateCommand(null, "CREATE TABLE probe (n INTEGER NOT NULL, data BLOB NOT NULL)");
            await create.ExecuteNonQueryAsync();
        }

        var checkpoints = storage.Checkpoints;
        var fileBefore = new FileInfo(storage.DatabasePath).Length;
        for (var n = 0; n < 100; n++)
        {
            var writer = await storage.OpenConnectionAsync();
            await using (writer)
            {
                var transaction = await storage.BeginTransactionAsync(writer);
                await using (transaction)
                {
                    await using var insert = writer.CreateCommand(transaction, "INSERT INTO probe (n, data) VALUES (@n, zeroblob(16384))").With("@n", n);
                    await insert.ExecuteNonQueryAsync();
                    await transaction.CommitAsync();
                }
            }
        }

        // 100 × 16 KiB is about 400 pages of the log, far below the commits' own checkpoint at 8,192:
        // only the background checkpoint copies them into the database file.
        // The file grows while the checkpoint runs, and the checkpoint is counted once it returned.
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (new FileInfo(storage.DatabasePath).Length < fileBefore + (100 * 16384) || storage.Checkpoints == checkpoints)
        {
            await Task.Delay(20, patience.Token);
        }

        Assert.True(new FileInfo(storage.DatabasePath).Length >= fileBefore + (100 * 16384));
        Assert.True(storage.Checkpoints > checkpoints);
    }

    [Fact]
    public async Task Opening_twice_keeps_the_data_and_the_schema()
    {
        await using (var first = await SqliteStorage.OpenAsync(_directory))
        {
            await first.ForSession("s").SaveCredentialsAsync(Protocol.Store.DeviceCredentials.Create(Protocol.Signal.SystemSignalRandom.Instance, TimeProvider.System));
        }

        await using var second = await SqliteStorage.OpenAsync(_directory);
        Assert.NotNull(await second.ForSession("s").LoadCredentialsAsync());
    }

    /// <inheritdoc/>
    public Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc/>
    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(Path.GetDirectoryName(_directory)!, recursive: true);
        return Task.CompletedTask;
    }
}

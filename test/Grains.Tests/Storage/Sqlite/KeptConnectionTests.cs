using System.Data.Common;
using Microsoft.Data.Sqlite;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Storage.Sqlite;

namespace WaOrleans.Grains.Tests.Storage.Sqlite;

/// <summary>
/// Connections kept open between uses with their prepared statements: a statement runs again
/// without being compiled again, nothing one user left on a connection reaches the next, and
/// closing the storage closes them all.
/// </summary>
public sealed class KeptConnectionTests : IAsyncLifetime
{
    private const string CountSql = "SELECT COUNT(*) FROM sessions WHERE session_id = @id";

    private const string InsertSql = "INSERT INTO sessions (session_id, status, updated_at) VALUES (@id, 'created', 0)";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "waorleans-tests-" + Guid.NewGuid().ToString("N"), "data");
    private SqliteStorage? _storage;

    private SqliteStorage Storage => _storage ?? throw new InvalidOperationException("not initialized");

    [Fact]
    public async Task A_statement_used_again_runs_on_the_command_its_connection_kept_prepared()
    {
        DbCommand first;
        await using (var connection = await Storage.OpenConnectionAsync())
        {
            await using (first = connection.CreateCommand(null, CountSql).With("@id", "a"))
            {
                Assert.Equal(0L, await first.ExecuteScalarAsync());
            }
        }

        await using (var connection = await Storage.OpenConnectionAsync())
        await using (var again = connection.CreateCommand(null, CountSql).With("@id", "b"))
        {
            Assert.Same(first, again);
            // The parameters of the first use are gone: only "@id" = "b" is bound.
            Assert.Equal("b", Assert.Single(again.Parameters.Cast<DbParameter>()).Value);
            Assert.Equal(0L, await again.ExecuteScalarAsync());

            // A second command for the same SQL while the first is out is a command of its own.
            await using var meanwhile = connection.CreateCommand(null, CountSql).With("@id", "c");
            Assert.NotSame(again, meanwhile);
            Assert.Equal(0L, await meanwhile.ExecuteScalarAsync());
        }
    }

    [Fact]
    public async Task A_transaction_left_open_is_rolled_back_and_its_connection_is_not_kept()
    {
        DbConnection abandoned;
        await using (abandoned = await Storage.OpenConnectionAsync())
        {
            var transaction = await Storage.BeginTransactionAsync(abandoned);
            await using var insert = abandoned.CreateCommand(transaction, InsertSql).With("@id", "abandoned");
            await insert.ExecuteNonQueryAsync();
        }

        await using var next = await Storage.OpenConnectionAsync();
        Assert.NotSame(abandoned, next);
        Assert.Equal(System.Data.ConnectionState.Closed, abandoned.State);
        await using (var count = next.CreateCommand(null, CountSql).With("@id", "abandoned"))
        {
            Assert.Equal(0L, await count.ExecuteScalarAsync());
        }

        // The write turn went back with it: the next writer is not kept waiting.
        var transaction2 = await Storage.BeginTransactionAsync(next).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        await using (transaction2)
        {
            await using var insert = next.CreateCommand(transaction2, InsertSql).With("@id", "next");
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
            await transaction2.CommitAsync();
        }
    }

    [Fact]
    public async Task A_statement_that_failed_is_compiled_again_and_works_once_its_table_is_back()
    {
        Assert.Equal(0L, await CountAsync("x"));
        await ExecuteAsync("ALTER TABLE sessions RENAME TO sessions_away");
        await Assert.ThrowsAsync<SqliteException>(() => CountAsync("x"));
        await ExecuteAsync("ALTER TABLE sessions_away RENAME TO sessions");

        Assert.Equal(0L, await CountAsync("x"));
        await ExecuteAsync(InsertSql.Replace("@id", "'x'", StringComparison.Ordinal));
        Assert.Equal(1L, await CountAsync("x"));
    }

    [Fact]
    public async Task Closing_the_storage_closes_every_connection_it_kept_open()
    {
        // Several connections at once, each kept open afterwards with a prepared statement.
        var connections = new List<DbConnection>();
        for (var i = 0; i < 4; i++)
        {
            connections.Add(await Storage.OpenConnectionAsync());
        }

        foreach (var connection in connections)
        {
            await using (var count = connection.CreateCommand(null, CountSql).With("@id", "y"))
            {
                await count.ExecuteScalarAsync();
            }

            await connection.DisposeAsync();
        }

        Assert.All(connections, c => Assert.Equal(System.Data.ConnectionState.Open, c.State));
        Assert.NotEmpty(OpenFilesOf(Path.GetFullPath(_directory)));

        await Storage.DisposeAsync();
        _storage = null;

        Assert.All(connections, c => Assert.Equal(System.Data.ConnectionState.Closed, c.State));
        Assert.Empty(OpenFilesOf(Path.GetFullPath(_directory)));
    }

    /// <inheritdoc/>
    public async Task InitializeAsync() => _storage = await SqliteStorage.OpenAsync(_directory, SqliteSynchronous.Normal);

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_storage is not null)
        {
            await _storage.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        Directory.Delete(Path.GetDirectoryName(_directory)!, recursive: true);
    }

    /// <summary>The process's open file descriptors on files under <paramref name="path"/> (the database, its log and its index).</summary>
    private static List<string> OpenFilesOf(string path) =>
        new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos()
            .Select(fd => fd.LinkTarget)
            .OfType<string>()
            .Where(target => target.StartsWith(path, StringComparison.Ordinal))
            .ToList();

    private async Task<object?> CountAsync(string id)
    {
        await using var connection = await Storage.OpenConnectionAsync();
        await using var count = connection.CreateCommand(null, CountSql).With("@id", id);
        return await count.ExecuteScalarAsync();
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = await Storage.OpenConnectionAsync();
        await using var command = connection.CreateCommand(null, sql);
        await command.ExecuteNonQueryAsync();
    }
}

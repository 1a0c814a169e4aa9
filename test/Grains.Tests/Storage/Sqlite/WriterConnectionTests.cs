using System.Data.Common;
using Microsoft.Data.Sqlite;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Tests.Support;

namespace WaOrleans.Grains.Tests.Storage.Sqlite;

/// <summary>
/// Every write transaction runs on the storage's one writer connection, whichever open connection
/// began it: the pages it wrote stay in that connection's cache for the next transaction, and a
/// transaction's leftovers never reach the next one.
/// </summary>
public sealed class WriterConnectionTests(SqliteStorageFixture fixture) : IClassFixture<SqliteStorageFixture>
{
    private const string InsertSql = "INSERT INTO sessions (session_id, status, updated_at) VALUES (@id, 'created', 0)";

    private const string UpdateSql = "UPDATE sessions SET updated_at = updated_at + 1 WHERE session_id = @id";

    private DeviceStorage Storage => fixture.Storage;

    [Fact]
    public async Task Transactions_from_different_connections_find_the_pages_they_write_in_the_cache()
    {
        // Two users, each with a connection of its own, writing in turns as two sessions do.
        await using var first = await Storage.OpenConnectionAsync();
        await using var second = await Storage.OpenConnectionAsync();
        for (var i = 0; i < 200; i++)
        {
            await WriteAsync(i % 2 == 0 ? first : second, InsertSql, "s" + i);
        }

        var misses = 0;
        for (var i = 0; i < 50; i++)
        {
            misses += await WriteAsync(i % 2 == 0 ? first : second, UpdateSql, "s" + (i * 7 % 200));
        }

        // A connection whose cache another connection's commit made stale reads the table's pages
        // again at each transaction (3 here); the writer reads none.
        Assert.Equal(0, misses);
    }

    [Fact]
    public async Task Commands_disposed_after_their_transaction_committed_do_not_disturb_the_next()
    {
        const int Writers = 8, Each = 40;
        var readers = Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                await using var connection = await Storage.OpenConnectionAsync();
                await using var count = connection.CreateCommand(null, "SELECT COUNT(*) FROM sessions");
                await count.ExecuteScalarAsync();
            }
        });
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < Each; i++)
            {
                await using var connection = await Storage.OpenConnectionAsync();
                var transaction = await Storage.BeginTransactionAsync(connection);
                DbCommand insert;
                await using (transaction)
                {
                    insert = connection.CreateCommand(transaction, InsertSql).With("@id", $"w{w}-{i}");
                    Assert.Equal(1, await insert.ExecuteNonQueryAsync());
                    await transaction.CommitAsync();
                }

                // Disposed while the next transaction may already be running on the writer.
                await Task.Yield();
                await insert.DisposeAsync();
            }
        }));
        await Task.WhenAll([readers, .. writers]);

        await using var check = await Storage.OpenConnectionAsync();
        await using var all = check.CreateCommand(null, "SELECT COUNT(*) FROM sessions WHERE session_id LIKE 'w%'");
        Assert.Equal((long)(Writers * Each), await all.ExecuteScalarAsync());
    }

    /// <summary>Runs <paramref name="sql"/> for <paramref name="id"/> in a write transaction begun on <paramref name="connection"/>; returns the pages it had to read from the file.</summary>
    private async Task<int> WriteAsync(DbConnection connection, string sql, string id)
    {
        var transaction = await Storage.BeginTransactionAsync(connection);
        await using (transaction)
        {
            await using var command = connection.CreateCommand(transaction, sql).With("@id", id);
            var handle = ((SqliteConnection)command.Connection!).Handle!;
            SQLitePCL.raw.sqlite3_db_status(handle, SQLitePCL.raw.SQLITE_DBSTATUS_CACHE_MISS, out _, out _, 1);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
            SQLitePCL.raw.sqlite3_db_status(handle, SQLitePCL.raw.SQLITE_DBSTATUS_CACHE_MISS, out var misses, out _, 0);
            await transaction.CommitAsync();
            return misses;
        }
    }
}

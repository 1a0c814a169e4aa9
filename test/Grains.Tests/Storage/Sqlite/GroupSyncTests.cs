using System.Data.Common;
using Microsoft.Data.Sqlite;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Storage.Sqlite;

namespace WaOrleans.Grains.Tests.Storage.Sqlite;

/// <summary>
/// Group commit with <see cref="SqliteSynchronous.Full"/>: a commit returns only once a sync that
/// began after it ended, and commits made during one sync share the next.
/// </summary>
public sealed class GroupSyncTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "waorleans-tests-" + Guid.NewGuid().ToString("N"), "data");

    [Fact]
    public async Task Commits_made_while_a_sync_runs_wait_for_the_next_sync_and_share_it()
    {
        var rounds = new GatedSync();
        var sync = new WalGroupSync(rounds.Sync);

        var first = sync.WaitDurableAsync(sync.Committed());
        await rounds.Started(1);
        var during = Enumerable.Range(0, 5).Select(_ => sync.WaitDurableAsync(sync.Committed())).ToArray();

        rounds.Finish();
        await first.WaitAsync(Patience);
        // The first sync began before these commits were written: it proves nothing for them.
        await rounds.Started(2);
        Assert.All(during, wait => Assert.False(wait.IsCompleted));

        rounds.Finish();
        await Task.WhenAll(during).WaitAsync(Patience);
        Assert.Equal(2, sync.Syncs);
        Assert.Equal(6, sync.DurableThrough);
        Assert.True(sync.WaitDurableAsync(6).IsCompleted);
    }

    [Fact]
    public async Task A_failed_sync_fails_the_commits_it_covered_and_the_next_commit_syncs_again()
    {
        var rounds = new GatedSync();
        var sync = new WalGroupSync(rounds.Sync);

        var failed = sync.WaitDurableAsync(sync.Committed());
        await rounds.Started(1);
        rounds.Fail(new IOException("EIO"));
        var error = await Assert.ThrowsAsync<IOException>(() => failed.WaitAsync(Patience));
        Assert.Equal("EIO", error.InnerException?.Message);
        Assert.Equal(0, sync.DurableThrough);

        var next = sync.WaitDurableAsync(sync.Committed());
        await rounds.Started(2);
        rounds.Finish();
        await next.WaitAsync(Patience);
        Assert.Equal(2, sync.DurableThrough);
    }

    [Fact]
    public async Task Full_runs_the_connections_at_normal_and_syncs_the_log_for_groups_of_concurrent_commits()
    {
        await using var storage = await SqliteStorage.OpenAsync(_directory, SqliteSynchronous.Full);
        var groupSync = storage.GroupSync!;
        await ExecuteAsync(storage, "CREATE TABLE probe (n INTEGER NOT NULL)");
        var connection = await storage.OpenConnectionAsync();
        await using (connection)
        {
            await using var pragma = connection.CreateCommand(null, "PRAGMA synchronous");
            Assert.Equal(1L, await pragma.ExecuteScalarAsync()); // NORMAL: SQLite does not sync inside the commit
        }

        var commitsBefore = groupSync.Commits;
        var syncsBefore = groupSync.Syncs;
        await Task.WhenAll(Enumerable.Range(0, 200).Select(n => Task.Run(async () =>
        {
            if (n % 2 == 0)
            {
                await ExecuteAsync(storage, $"INSERT INTO probe (n) VALUES ({n})");
            }
            else
            {
                await InTransactionAsync(storage, $"INSERT INTO probe (n) VALUES ({n})");
            }
        })));

        Assert.Equal(200, await CountAsync(storage));
        // Transactions that queue for the turn commit in batches (CommitBatchTests): at most one commit each.
        Assert.InRange(groupSync.Commits - commitsBefore, 1, 200);
        Assert.Equal(groupSync.Commits, groupSync.DurableThrough);
        // At most one sync per commit. How many commits share one here depends on how long the
        // disk takes to sync and how the thread pool interleaves the writers (a loaded CI machine
        // once ran all 200 one after another); that commits made during a sync share the next is
        // proven with a held sync in Commits_made_while_a_sync_runs_wait_for_the_next_sync_and_share_it.
        Assert.InRange(groupSync.Syncs - syncsBefore, 1, 200);
    }

    [Fact]
    public async Task A_commit_returns_and_runs_its_after_commit_actions_only_once_it_is_durable()
    {
        await using var storage = await SqliteStorage.OpenAsync(_directory, SqliteSynchronous.Full);
        var groupSync = storage.GroupSync!;
        await ExecuteAsync(storage, "CREATE TABLE probe (n INTEGER NOT NULL)");

        var commits = groupSync.Commits;
        await ExecuteAsync(storage, "INSERT INTO probe (n) VALUES (1)");
        Assert.Equal(commits + 1, groupSync.DurableThrough);

        long? durableWhenActionRan = null;
        var connection = await storage.OpenConnectionAsync();
        await using (connection)
        {
            var transaction = await storage.BeginTransactionAsync(connection);
            await using (transaction)
            {
                await using (var insert = connection.CreateCommand(transaction, "INSERT INTO probe (n) VALUES (2)"))
                {
                    await insert.ExecuteNonQueryAsync();
                }

                Assert.True(storage.TryRunAfterCommit(transaction, () => durableWhenActionRan = groupSync.DurableThrough));
                await transaction.CommitAsync();
            }
        }

        Assert.Equal(commits + 2, durableWhenActionRan);
    }

    [Fact]
    public async Task A_rollback_or_a_failed_statement_neither_numbers_a_commit_nor_keeps_the_write_turn()
    {
        await using var storage = await SqliteStorage.OpenAsync(_directory, SqliteSynchronous.Full);
        var groupSync = storage.GroupSync!;
        await ExecuteAsync(storage, "CREATE TABLE probe (n INTEGER NOT NULL UNIQUE)");
        await ExecuteAsync(storage, "INSERT INTO probe (n) VALUES (1)");
        var commits = groupSync.Commits;

        var connection = await storage.OpenConnectionAsync();
        await using (connection)
        {
            var transaction = await storage.BeginTransactionAsync(connection);
            await using (transaction)
            {
                await using var insert = connection.CreateCommand(transaction, "INSERT INTO probe (n) VALUES (2)");
                await insert.ExecuteNonQueryAsync();
                await transaction.RollbackAsync();
            }
        }

        await Assert.ThrowsAsync<SqliteException>(() => ExecuteAsync(storage, "INSERT INTO probe (n) VALUES (1)"));
        Assert.Equal(commits, groupSync.Commits);

        // The turn came back both times: the next write does not wait out the busy timeout.
        await ExecuteAsync(storage, "INSERT INTO probe (n) VALUES (3)").WaitAsync(Patience);
        Assert.Equal(2, await CountAsync(storage));
    }

    [Fact]
    public async Task Normal_has_no_group_sync()
    {
        await using var storage = await SqliteStorage.OpenAsync(_directory, SqliteSynchronous.Normal);
        Assert.Null(storage.GroupSync);
        await ExecuteAsync(storage, "CREATE TABLE probe (n INTEGER NOT NULL)");
        await InTransactionAsync(storage, "INSERT INTO probe (n) VALUES (1)");
        Assert.Equal(1, await CountAsync(storage));
    }

    /// <inheritdoc/>
    public Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc/>
    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(Path.GetDirectoryName(_directory)))
        {
            Directory.Delete(Path.GetDirectoryName(_directory)!, recursive: true);
        }

        return Task.CompletedTask;
    }

    private static async Task ExecuteAsync(DeviceStorage storage, string sql)
    {
        var connection = await storage.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand(null, sql);
            await command.ExecuteNonQueryAsync();
        }
    }

    private static async Task InTransactionAsync(DeviceStorage storage, string sql)
    {
        var connection = await storage.OpenConnectionAsync();
        await using (connection)
        {
            DbTransaction transaction = await storage.BeginTransactionAsync(connection);
            await using (transaction)
            {
                await using var command = connection.CreateCommand(transaction, sql);
                await command.ExecuteNonQueryAsync();
                await transaction.CommitAsync();
            }
        }
    }

    private static async Task<long> CountAsync(DeviceStorage storage)
    {
        var connection = await storage.OpenConnectionAsync();
        await using (connection)
        {
            await using var count = connection.CreateCommand(null, "SELECT COUNT(*) FROM probe");
            return (long)(await count.ExecuteScalarAsync())!;
        }
    }

    /// <summary>A sync whose rounds the test starts watching and ends by hand.</summary>
    private sealed class GatedSync
    {
        private readonly SemaphoreSlim _started = new(0);
        private readonly SemaphoreSlim _end = new(0);
        private int _rounds;
        private Exception? _failure;

        public void Sync()
        {
            Interlocked.Increment(ref _rounds);
            _started.Release();
            Assert.True(_end.Wait(Patience), "the test did not end the sync round");
            if (Interlocked.Exchange(ref _failure, null) is { } failure)
            {
                throw failure;
            }
        }

        public async Task Started(int round)
        {
            Assert.True(await _started.WaitAsync(Patience), $"sync round {round} did not start");
            Assert.Equal(round, Volatile.Read(ref _rounds));
        }

        public void Finish() => _end.Release();

        public void Fail(Exception failure)
        {
            _failure = failure;
            _end.Release();
        }
    }
}

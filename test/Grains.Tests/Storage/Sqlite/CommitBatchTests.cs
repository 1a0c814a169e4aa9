using System.Data.Common;
using Microsoft.Data.Sqlite;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Storage.Sqlite;

namespace WaOrleans.Grains.Tests.Storage.Sqlite;

/// <summary>
/// Cross-session group commit (<see cref="CommitBatch"/>): write transactions that queue for the
/// turn commit together, each returns only once the batch is committed and durable, a rollback
/// undoes only its own writes, and an error that loses the batch fails every member of it.
/// </summary>
public sealed class CommitBatchTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "waorleans-tests-" + Guid.NewGuid().ToString("N"), "data");
    private SqliteStorage _storage = null!;

    [Fact]
    public async Task Transactions_queued_behind_one_commit_together_once_and_each_returns_when_it_is_durable()
    {
        var groupSync = _storage.GroupSync!;
        var commits = groupSync.Commits;
        var joined = _storage.Batch.Joined;
        var first = await Member.BeginAsync(_storage);
        await first.InsertAsync(0);

        var queued = Enumerable.Range(1, 5).Select(n => Task.Run(async () =>
        {
            await using var member = await Member.BeginAsync(_storage);
            await member.InsertAsync(n);
            await member.Transaction.CommitAsync();
            // Returned: committed and durable, so visible to every other connection.
            Assert.True(groupSync.DurableThrough > commits);
            Assert.Equal(1L, await ScalarAsync($"SELECT COUNT(*) FROM probe WHERE n = {n}"));
        })).ToArray();
        await WaitUntilAsync(() => _storage.WritersWaiting == 5);

        await first.Transaction.CommitAsync().WaitAsync(Patience);
        await first.DisposeAsync();
        await Task.WhenAll(queued).WaitAsync(Patience);

        Assert.Equal(6L, await ScalarAsync("SELECT COUNT(*) FROM probe"));
        Assert.Equal(commits + 1, groupSync.Commits);
        Assert.Equal(groupSync.Commits, groupSync.DurableThrough);
        Assert.Equal(joined + 6, _storage.Batch.Joined);
    }

    [Fact]
    public async Task A_member_that_rolls_back_undoes_only_its_own_writes()
    {
        var first = await Member.BeginAsync(_storage);
        await first.InsertAsync(1);
        var rolledBack = Task.Run(async () =>
        {
            await using var member = await Member.BeginAsync(_storage);
            await member.InsertAsync(2);
            // Disposed without commit: rolled back.
        });
        await WaitUntilAsync(() => _storage.WritersWaiting == 1);
        var third = InsertInTransactionAsync(3);
        await WaitUntilAsync(() => _storage.WritersWaiting == 2);

        await first.Transaction.CommitAsync().WaitAsync(Patience);
        await first.DisposeAsync();
        await Task.WhenAll(rolledBack, third).WaitAsync(Patience);

        Assert.Equal([1L, 3L], await ColumnAsync("SELECT n FROM probe ORDER BY n"));
    }

    [Fact]
    public async Task An_error_that_rolls_back_the_batch_fails_the_members_that_committed_into_it_and_the_next_batch_works()
    {
        var commits = _storage.Commits;
        var first = await Member.BeginAsync(_storage);
        await first.InsertAsync(1);
        var breaking = Task.Run(async () =>
        {
            await using var member = await Member.BeginAsync(_storage);
            await member.InsertAsync(2);
            // What SQLite does by itself after a full disk or an I/O error: the whole transaction ends.
            await using var rollback = member.Connection.CreateCommand(member.Transaction, "ROLLBACK");
            await rollback.ExecuteNonQueryAsync();
        });
        await WaitUntilAsync(() => _storage.WritersWaiting == 1);

        var firstCommit = first.Transaction.CommitAsync();
        await breaking.WaitAsync(Patience);
        var error = await Assert.ThrowsAsync<SqliteException>(() => firstCommit.WaitAsync(Patience));
        Assert.Contains("roll back the batch", error.Message, StringComparison.Ordinal);
        await first.DisposeAsync();

        Assert.Equal(0L, await ScalarAsync("SELECT COUNT(*) FROM probe"));
        Assert.Equal(commits, _storage.Commits);
        await using (var next = await Member.BeginAsync(_storage))
        {
            await next.InsertAsync(3);
            await next.Transaction.CommitAsync().WaitAsync(Patience);
        }

        Assert.Equal([3L], await ColumnAsync("SELECT n FROM probe"));
    }

    [Fact]
    public async Task A_writer_that_stops_waiting_leaves_no_batch_open()
    {
        var first = await Member.BeginAsync(_storage);
        await first.InsertAsync(1);
        using var giveUp = new CancellationTokenSource();
        var cancelled = Task.Run(async () => await Member.BeginAsync(_storage, giveUp.Token));
        await WaitUntilAsync(() => _storage.WritersWaiting == 1);

        await giveUp.CancelAsync();
        var commit = first.Transaction.CommitAsync();
        try
        {
            // A wait cancelled while the turn is being handed to it may still get it (SemaphoreSlim):
            // then it is a member that ends without commit.
            await using var late = await cancelled.WaitAsync(Patience);
        }
        catch (OperationCanceledException)
        {
        }

        await commit.WaitAsync(Patience);
        await first.DisposeAsync();

        Assert.Equal(1L, await ScalarAsync("SELECT COUNT(*) FROM probe"));
        // The turn is free and nothing holds the write lock: a write outside a transaction goes through.
        await ExecuteAsync("INSERT INTO probe (n) VALUES (2)").WaitAsync(Patience);
        Assert.Equal(2L, await ScalarAsync("SELECT COUNT(*) FROM probe"));
    }

    [Fact]
    public async Task A_write_outside_a_transaction_commits_the_open_batch_before_it_runs()
    {
        var commits = _storage.Commits;
        var first = await Member.BeginAsync(_storage);
        await first.InsertAsync(1);
        var second = InsertInTransactionAsync(2);
        await WaitUntilAsync(() => _storage.WritersWaiting == 1);
        var outside = Task.Run(() => ExecuteAsync("INSERT INTO probe (n) VALUES (3)"));
        await WaitUntilAsync(() => _storage.WritersWaiting == 2);

        await first.Transaction.CommitAsync().WaitAsync(Patience);
        await first.DisposeAsync();
        await Task.WhenAll(second, outside).WaitAsync(Patience);

        Assert.Equal([1L, 2L, 3L], await ColumnAsync("SELECT n FROM probe ORDER BY n"));
        // The batch of the two transactions, then the statement's own.
        Assert.Equal(commits + 2, _storage.Commits);
    }

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        _storage = await SqliteStorage.OpenAsync(_directory, SqliteSynchronous.Full);
        await ExecuteAsync("CREATE TABLE probe (n INTEGER NOT NULL)");
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        await _storage.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(Path.GetDirectoryName(_directory)))
        {
            Directory.Delete(Path.GetDirectoryName(_directory)!, recursive: true);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }

    /// <summary>Inserts <paramref name="n"/> in a write transaction of its own, on another thread (it may queue for the turn).</summary>
    private Task InsertInTransactionAsync(long n) => Task.Run(async () =>
    {
        await using var member = await Member.BeginAsync(_storage);
        await member.InsertAsync(n);
        await member.Transaction.CommitAsync();
    });

    private async Task ExecuteAsync(string sql)
    {
        var connection = await _storage.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand(null, sql);
            await command.ExecuteNonQueryAsync();
        }
    }

    private async Task<long> ScalarAsync(string sql) => (await ColumnAsync(sql)).Single();

    private async Task<List<long>> ColumnAsync(string sql)
    {
        var connection = await _storage.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand(null, sql);
            await using var reader = await command.ExecuteReaderAsync();
            var values = new List<long>();
            while (await reader.ReadAsync())
            {
                values.Add(reader.GetInt64(0));
            }

            return values;
        }
    }

    /// <summary>A write transaction on its own connection, as a session's unit of work opens one.</summary>
    private sealed class Member(DbConnection connection, DbTransaction transaction) : IAsyncDisposable
    {
        public DbConnection Connection => connection;

        public DbTransaction Transaction => transaction;

        public static async Task<Member> BeginAsync(DeviceStorage storage, CancellationToken cancellationToken = default)
        {
            var connection = await storage.OpenConnectionAsync(cancellationToken);
            try
            {
                return new Member(connection, await storage.BeginTransactionAsync(connection, cancellationToken));
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }

        public async Task InsertAsync(long n)
        {
            await using var insert = connection.CreateCommand(transaction, $"INSERT INTO probe (n) VALUES ({n})");
            await insert.ExecuteNonQueryAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}

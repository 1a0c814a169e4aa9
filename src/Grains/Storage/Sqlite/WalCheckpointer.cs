using Microsoft.Data.Sqlite;

namespace WaOrleans.Grains.Storage.Sqlite;

/// <summary>
/// Copies the write-ahead log into the database file in the background, off the write turn, so no
/// writer waits for a checkpoint.
/// </summary>
/// <remarks>
/// <para>
/// SQLite's automatic checkpoint runs inside the commit that grows the log past its threshold, before
/// that commit returns: the writer still holds the <see cref="WriterTurn"/>, so every writer queued
/// behind it waited for the copy of thousands of pages.
/// </para>
/// <para>
/// Here a loop on its own connection runs <c>PRAGMA wal_checkpoint(PASSIVE)</c> every
/// <see cref="StorageConstants.SqliteCheckpointInterval"/> while commits are being made. A passive
/// checkpoint takes no write lock, so writers go on meanwhile; once it has copied the whole log, the
/// next write transaction starts the log over from its beginning. The connections' own automatic
/// checkpoint stays, at <see cref="StorageConstants.SqliteWalAutoCheckpointPages"/>, as the bound on
/// the log's size should this loop fall behind or fail; a checkpoint that fails is tried again at the
/// next interval, and losing one loses nothing (the commits are in the log).
/// </para>
/// </remarks>
internal sealed class WalCheckpointer : IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Func<long> _commits;
    private readonly TimeSpan _interval;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private long _checkpoints;

    private WalCheckpointer(string connectionString, Func<long> commits, TimeSpan interval)
    {
        _connection = new SqliteConnection(connectionString);
        _commits = commits;
        _interval = interval;
    }

    /// <summary>Gets how many checkpoints ran.</summary>
    public long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>Opens the checkpointer's connection and starts its loop.</summary>
    /// <param name="connectionString">The database's connection string.</param>
    /// <param name="commits">How many commits were made so far; the loop checkpoints only when it moved.</param>
    /// <param name="interval">How long the loop waits between checkpoints.</param>
    public static async Task<WalCheckpointer> StartAsync(string connectionString, Func<long> commits, TimeSpan interval)
    {
        var checkpointer = new WalCheckpointer(connectionString, commits, interval);
        await checkpointer._connection.OpenAsync().ConfigureAwait(false);
        checkpointer._loop = Task.Run(checkpointer.LoopAsync);
        return checkpointer;
    }

    /// <summary>Stops the loop and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        var checkpointed = _commits();
        using var timer = new PeriodicTimer(_interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                var commits = _commits();
                if (commits != checkpointed && Checkpoint())
                {
                    checkpointed = commits;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private bool Checkpoint()
    {
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
            command.ExecuteNonQuery();
            Interlocked.Increment(ref _checkpoints);
            return true;
        }
#pragma warning disable CA1031 // Any failure leaves the log as it is: the next interval tries again, the connections' own checkpoint bounds the log.
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }
    }
}

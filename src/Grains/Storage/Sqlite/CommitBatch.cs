using Microsoft.Data.Sqlite;

namespace WaOrleans.Grains.Storage.Sqlite;

/// <summary>
/// Cross-session group commit on the storage's writer connection: write transactions that follow
/// each other while writers queue for the turn run as savepoints of one SQLite transaction, which
/// commits once for all of them.
/// </summary>
/// <remarks>
/// <para>
/// Each SQLite commit writes every page it changed to the log (twice through the kernel, with the
/// file locking around it) however little of the page changed: under load that was a quarter of
/// the gateway's samples on the inbound path, where every received message is a transaction of its
/// own. Batching writes a page that several transactions change (the tail of the message log, its
/// indexes, the delivery queue) once per batch.
/// </para>
/// <para>
/// A member transaction begins with <c>SAVEPOINT</c>, ends with <c>RELEASE</c> when it commits or
/// with <c>ROLLBACK TO</c> when it does not, which undoes its own writes only. A member that
/// committed hands the turn on while writers wait for it and returns only when its batch is
/// committed (and durable, with a <see cref="WalGroupSync"/>): so no caller ever learns of a commit
/// that a crash could take back, and after-commit actions run as before. The batch commits when the
/// member that ends finds nobody waiting for the turn, when a writer that cannot join takes the turn
/// (a statement outside a transaction, or a transaction on another connection), or at the latest
/// when a flush queued behind the writers that were waiting gets the turn; so a batch never stays
/// open while the turn is free, and a writer that gave up waiting leaves nothing open behind.
/// </para>
/// <para>
/// Failure: an outer commit that fails fails every member of the batch. An error that makes SQLite
/// roll back the whole transaction (a full disk, an I/O error) takes the members that already
/// committed into the batch with it: they fail too, and the next writer starts a new batch.
/// Everything here runs under the write turn, except the completion of members' waits.
/// </para>
/// </remarks>
internal sealed class CommitBatch(WriterTurn turn)
{
    private const string Savepoint = "member";

    /// <summary>The connection batches run on; transactions on other connections commit alone.</summary>
    private WriterTurnConnection? _writer;

    /// <summary>The open batch's transaction, on <see cref="_writer"/>.</summary>
    private SqliteTransaction? _open;

    /// <summary>Completes for the members that committed into the open batch once it is committed and durable.</summary>
    private TaskCompletionSource? _members;

    private bool _flushQueued;
    private long _joined;

    /// <summary>Gets how many transactions committed into a batch.</summary>
    public long Joined => Interlocked.Read(ref _joined);

    /// <summary>Sets the connection batches run on (the storage's writer connection).</summary>
    public void RunOn(WriterTurnConnection writer) => _writer = writer;

    /// <summary>
    /// Begins a member transaction on <paramref name="connection"/>, whose caller holds the turn:
    /// a savepoint in the open batch, opening one (BEGIN IMMEDIATE) when none is. Returns the
    /// transaction the member's commands must be enlisted in.
    /// </summary>
    public SqliteTransaction Begin(WriterTurnConnection connection)
    {
        if (_open is not null && (!ReferenceEquals(connection, _writer) || Lost()))
        {
            Flush();
        }

        _open ??= connection.BeginTransaction(deferred: false);
        try
        {
            Run(connection, $"SAVEPOINT {Savepoint}");
        }
        catch
        {
            if (Lost())
            {
                Fail(LostError());
            }

            EndIfEmpty();
            throw;
        }

        return _open;
    }

    /// <summary>
    /// Commits the member that holds the turn into its batch. Returns the wait for the batch's commit;
    /// the caller hands the turn on right after this returns, before it waits.
    /// </summary>
    public Task Commit(WriterTurnConnection connection)
    {
        try
        {
            Run(connection, $"RELEASE {Savepoint}");
        }
        catch
        {
            RollbackQuietly(connection);
            throw;
        }

        Interlocked.Increment(ref _joined);
        var members = _members ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        End(connection);
        return members.Task;
    }

    /// <summary>Undoes the writes of the member that holds the turn, and only those.</summary>
    public void Rollback(WriterTurnConnection connection)
    {
        if (_open is null)
        {
            return;
        }

        if (Lost())
        {
            Fail(LostError());
            return;
        }

        try
        {
            Run(connection, $"ROLLBACK TO {Savepoint}");
            Run(connection, $"RELEASE {Savepoint}");
        }
        catch (Exception error) when (error is SqliteException or InvalidOperationException)
        {
            Fail(error);
            throw;
        }

        if (_members is null)
        {
            EndIfEmpty();
        }
        else
        {
            End(connection);
        }
    }

    /// <summary>Undoes the writes of the member that holds the turn, for a member ending without commit; never throws.</summary>
    public void RollbackQuietly(WriterTurnConnection connection)
    {
        try
        {
            Rollback(connection);
        }
#pragma warning disable CA1031 // Rollback failed the batch's members already; the caller has its own error to report or none.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>
    /// Commits the open batch, if any; its members complete once it is durable. Called by the turn's
    /// holder before a write that cannot join the batch, and by the flush queued when a member ended.
    /// </summary>
    public void Flush()
    {
        if (Lost())
        {
            Fail(LostError());
            return;
        }

        var (open, members) = Detach();
        if (open is null)
        {
            return;
        }

        try
        {
            open.Commit();
        }
#pragma warning disable CA1031 // Every kind of failure goes to the members, whose commit it was.
        catch (Exception error)
#pragma warning restore CA1031
        {
            // Disposing rolls back what is still open.
            DisposeQuietly(open);
            members?.TrySetException(error);
            return;
        }

        open.Dispose();
        var durable = turn.WaitDurableAsync(turn.Committed());
        if (members is not null)
        {
            // Runs at once when the commit is durable already (no group sync, or a sync covered it).
            durable.ContinueWith(static (sync, waiting) => ((TaskCompletionSource)waiting!).TrySetFromTask(sync),
                members, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// A member ended with members in the batch: commit now if nobody waits for the turn or the batch
    /// is not on the writer connection; otherwise leave it open for the waiting writers and queue a
    /// flush behind them.
    /// </summary>
    private void End(WriterTurnConnection connection)
    {
        if (!ReferenceEquals(connection, _writer) || turn.Waiting == 0)
        {
            Flush();
            return;
        }

        if (!_flushQueued)
        {
            _flushQueued = true;
            _ = FlushWhenTurnComesAsync();
        }
    }

    private async Task FlushWhenTurnComesAsync()
    {
        // Not counted as a waiter: the member before the flush then commits the batch itself.
        // However long it takes: the batch must not stay open.
        await turn.TryTakeAsync(Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        try
        {
            _flushQueued = false;
            Flush();
        }
        finally
        {
            turn.Release();
        }
    }

    /// <summary>A batch no member committed into holds nothing: end it now rather than leave it open.</summary>
    private void EndIfEmpty()
    {
        if (_open is { } open && _members is null)
        {
            _open = null;
            DisposeQuietly(open);
        }
    }

    /// <summary>The open batch's transaction is gone: SQLite rolled it back after an error.</summary>
    private bool Lost() => _open?.Connection?.Handle is { } handle && SQLitePCL.raw.sqlite3_get_autocommit(handle) != 0;

    /// <summary>Fails the members of a batch that cannot commit any more, and drops the batch.</summary>
    private void Fail(Exception error)
    {
        var (open, members) = Detach();
        if (open is not null)
        {
            DisposeQuietly(open);
        }

        members?.TrySetException(error);
    }

    /// <summary>Takes the open batch and its members' wait out of this object, which then has no batch open.</summary>
    private (SqliteTransaction? Open, TaskCompletionSource? Members) Detach()
    {
        var detached = (_open, _members);
        _open = null;
        _members = null;
        return detached;
    }

    private static SqliteException LostError() =>
        new("An error in a later transaction made SQLite roll back the batch this transaction committed into; nothing of it was kept", 4);

    private void Run(WriterTurnConnection connection, string sql)
    {
        using var command = connection.CreateCommand(sql, _open);
        command.ExecuteNonQuery();
    }

    private static void DisposeQuietly(SqliteTransaction transaction)
    {
        try
        {
            transaction.Dispose();
        }
#pragma warning disable CA1031 // A rollback that fails leaves nothing to keep: the connection rolls back when it closes.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}

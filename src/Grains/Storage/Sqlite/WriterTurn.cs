using Microsoft.Data.Sqlite;

namespace WaOrleans.Grains.Storage.Sqlite;

/// <summary>
/// The one write turn of a process's SQLite file, handed over in arrival order. SQLite admits one
/// writer at a time anyway; without the turn, waiting writers poll its file lock with the busy
/// handler, which sleeps 1, 2, 5 … 100 ms between tries and blocks a thread-pool thread meanwhile:
/// under load, half of a send's time went to those sleeps while the lock sat free (gateway
/// benchmark, EventPipe samples). Every write takes the turn — a transaction from its start to its
/// end, a statement outside a transaction while it runs — so no writer polls the lock behind the
/// queue's back.
/// </summary>
/// <remarks>
/// With a <see cref="WalGroupSync"/>, a write that committed hands the turn on first and then waits
/// until its commit is durable: the next writer commits while the log is synced. Write transactions
/// that follow each other while writers wait commit together (<see cref="CommitBatch"/>).
/// </remarks>
internal sealed class WriterTurn
{
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly WalGroupSync? _groupSync;
    private long _commits;
    private int _waiting;

    public WriterTurn(WalGroupSync? groupSync = null)
    {
        _groupSync = groupSync;
        Batch = new CommitBatch(this);
    }

    /// <summary>Gets the batch write transactions commit in; touched only by the turn's holder.</summary>
    public CommitBatch Batch { get; }

    /// <summary>Gets how many writers wait for the turn (a flush of the batch not counted).</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Gets the group sync commits wait for, if commits are not synced by SQLite itself.</summary>
    public WalGroupSync? GroupSync => _groupSync;

    /// <summary>Waits for the turn as long as SQLite's busy timeout would have waited for the lock.</summary>
    public async ValueTask TakeAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waiting);
        bool taken;
        try
        {
            taken = await _turn.WaitAsync(StorageConstants.SqliteBusyTimeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }

        if (!taken)
        {
            throw Locked();
        }
    }

    /// <summary>Waits for the turn, blocking the thread (for synchronous ADO.NET calls only).</summary>
    public void Take()
    {
        Interlocked.Increment(ref _waiting);
        bool taken;
        try
        {
            taken = _turn.Wait(StorageConstants.SqliteBusyTimeout);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }

        if (!taken)
        {
            throw Locked();
        }
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for the turn, not counted in <see cref="Waiting"/> (for
    /// the batch's own flush and the storage's close); returns whether it was taken.
    /// </summary>
    public Task<bool> TryTakeAsync(TimeSpan timeout) => _turn.WaitAsync(timeout);

    /// <summary>Hands the turn to the next writer.</summary>
    public void Release() => _turn.Release();

    /// <summary>Gets how many commits were written under the turn.</summary>
    public long Commits => _groupSync?.Commits ?? Interlocked.Read(ref _commits);

    /// <summary>Numbers a commit just written under the turn (from 1), for <see cref="WaitDurableAsync"/>.</summary>
    public long Committed() => _groupSync?.Committed() ?? Interlocked.Increment(ref _commits);

    /// <summary>Completes when the commit numbered <paramref name="commit"/> by <see cref="Committed"/> is durable.</summary>
    /// <remarks>0 (no commit) completes at once, as does every commit when SQLite syncs commits itself.</remarks>
    public Task WaitDurableAsync(long commit) => commit == 0 || _groupSync is null ? Task.CompletedTask : _groupSync.WaitDurableAsync(commit);

    /// <summary>Blocks until the commit numbered <paramref name="commit"/> is durable.</summary>
    public void WaitDurable(long commit)
    {
        if (commit != 0)
        {
            _groupSync?.WaitDurable(commit);
        }
    }

    /// <summary>What SQLite itself reports when its busy timeout passes (SQLITE_BUSY).</summary>
    private static SqliteException Locked() => new("database is locked (no write turn within the busy timeout)", 5);
}

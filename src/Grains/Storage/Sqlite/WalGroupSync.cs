namespace WaOrleans.Grains.Storage.Sqlite;

/// <summary>
/// Group commit for the embedded database: one fsync of the write-ahead log makes every commit
/// written before it durable, so writers that commit while a sync runs share the next one instead
/// of paying one each.
/// </summary>
/// <remarks>
/// <para>
/// With <c>synchronous=FULL</c> SQLite fsyncs the WAL inside every commit, while the committing
/// connection still holds the write lock (and our <see cref="WriterTurn"/>): commits are serialized
/// behind one fsync each, about 3 ms on a virtual disk, which capped a node at a few hundred
/// commits a second. Here the connections run <c>synchronous=NORMAL</c> (the commit is written to
/// the WAL but not synced; SQLite still syncs at checkpoints and never corrupts the file), and a
/// writer, after it committed and handed the write turn on, waits for a sync of the WAL file that
/// began after its commit. The commit returns to its caller only then, so "a commit that returned
/// survives a power cut" holds as with <c>FULL</c>, and after-commit actions run only once the
/// commit is durable.
/// </para>
/// <para>
/// Commits are numbered under the write turn, right after SQLite wrote them. One sync runs at a
/// time; it covers every commit numbered before it began. Writers that commit while it runs wait
/// for the next sync, which starts as soon as the running one ends. A failed sync fails every
/// writer it would have covered (their commits are visible but may not be durable), and the next
/// writer starts a new one.
/// </para>
/// <para>
/// Other connections can read a commit before it is durable; a power cut in that window loses it
/// although a reader saw it, as when a process reads another's write before its fsync returns.
/// </para>
/// </remarks>
internal sealed class WalGroupSync
{
    private readonly Action _sync;
    private readonly Lock _lock = new();
    private long _lastCommit;
    private long _durableThrough;
    private long _syncingThrough;
    private TaskCompletionSource? _running;
    private TaskCompletionSource? _next;
    private long _syncs;

    /// <summary>Creates a group sync that fsyncs the write-ahead log of <paramref name="databasePath"/>.</summary>
    public WalGroupSync(string databasePath)
        : this(() => SyncWal(databasePath + "-wal"))
    {
    }

    /// <summary>Creates a group sync around <paramref name="sync"/>, which must make every write made before it started durable.</summary>
    internal WalGroupSync(Action sync) => _sync = sync;

    /// <summary>Gets how many syncs completed.</summary>
    public long Syncs => Interlocked.Read(ref _syncs);

    /// <summary>Gets how many commits were numbered.</summary>
    public long Commits
    {
        get
        {
            lock (_lock)
            {
                return _lastCommit;
            }
        }
    }

    /// <summary>Gets the number of the newest commit known to be durable (every earlier one is too).</summary>
    public long DurableThrough
    {
        get
        {
            lock (_lock)
            {
                return _durableThrough;
            }
        }
    }

    /// <summary>Numbers a commit SQLite has just written; call it before the write turn passes on.</summary>
    public long Committed()
    {
        lock (_lock)
        {
            return ++_lastCommit;
        }
    }

    /// <summary>Completes when commit number <paramref name="commit"/> is durable; 0 (no commit) completes at once.</summary>
    public Task WaitDurableAsync(long commit)
    {
        lock (_lock)
        {
            if (commit <= _durableThrough)
            {
                return Task.CompletedTask;
            }

            if (_running is not null)
            {
                return commit <= _syncingThrough
                    ? _running.Task
                    : (_next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }

            _running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _syncingThrough = _lastCommit;
            var running = _running.Task;
            // The fsync blocks for milliseconds: not on the committing writer's thread, which may be a grain's.
            _ = Task.Run(SyncRounds);
            return running;
        }
    }

    /// <summary>Blocks until commit number <paramref name="commit"/> is durable (for synchronous ADO.NET calls).</summary>
    public void WaitDurable(long commit) => WaitDurableAsync(commit).GetAwaiter().GetResult();

    private void SyncRounds()
    {
        while (true)
        {
            Exception? failure = null;
            try
            {
                _sync();
                Interlocked.Increment(ref _syncs);
            }
#pragma warning disable CA1031 // Every kind of failure goes to the writers waiting on this sync.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                failure = exception;
            }

            TaskCompletionSource finished;
            bool more;
            lock (_lock)
            {
                finished = _running!;
                if (failure is null)
                {
                    _durableThrough = _syncingThrough;
                }

                _running = _next;
                _next = null;
                more = _running is not null;
                _syncingThrough = more ? _lastCommit : 0;
            }

            if (failure is null)
            {
                finished.SetResult();
            }
            else
            {
                finished.SetException(new IOException("The database's write-ahead log could not be synced to disk; the commit may not survive a power cut", failure));
            }

            if (!more)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Fsyncs the WAL file. Opened anew each time, so a log that SQLite deleted and created again is
    /// the one synced; a log that does not exist was checkpointed into the database file, which
    /// SQLite synced at the checkpoint. SQLite takes no locks on the WAL file itself (they live in
    /// the <c>-shm</c> file), so opening and closing it here cannot drop one of SQLite's POSIX locks.
    /// </summary>
    private static void SyncWal(string walPath)
    {
        FileStream wal;
        try
        {
            wal = new FileStream(walPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        }
        catch (FileNotFoundException)
        {
            return;
        }

        using (wal)
        {
            wal.Flush(flushToDisk: true);
        }
    }
}

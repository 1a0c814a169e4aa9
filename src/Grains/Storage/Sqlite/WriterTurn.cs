using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
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
/// until its commit is durable: the next writer commits while the log is synced.
/// </remarks>
internal sealed class WriterTurn(WalGroupSync? groupSync = null)
{
    private readonly SemaphoreSlim _turn = new(1, 1);
    private long _commits;

    /// <summary>Gets the group sync commits wait for, if commits are not synced by SQLite itself.</summary>
    public WalGroupSync? GroupSync => groupSync;

    /// <summary>Waits for the turn as long as SQLite's busy timeout would have waited for the lock.</summary>
    public async ValueTask TakeAsync(CancellationToken cancellationToken)
    {
        if (!await _turn.WaitAsync(StorageConstants.SqliteBusyTimeout, cancellationToken).ConfigureAwait(false))
        {
            throw Locked();
        }
    }

    /// <summary>Waits for the turn, blocking the thread (for synchronous ADO.NET calls only).</summary>
    public void Take()
    {
        if (!_turn.Wait(StorageConstants.SqliteBusyTimeout))
        {
            throw Locked();
        }
    }

    /// <summary>Hands the turn to the next writer.</summary>
    public void Release() => _turn.Release();

    /// <summary>Gets how many commits were written under the turn.</summary>
    public long Commits => groupSync?.Commits ?? Interlocked.Read(ref _commits);

    /// <summary>Numbers a commit just written under the turn (from 1), for <see cref="WaitDurableAsync"/>.</summary>
    public long Committed() => groupSync?.Committed() ?? Interlocked.Increment(ref _commits);

    /// <summary>Completes when the commit numbered <paramref name="commit"/> by <see cref="Committed"/> is durable.</summary>
    /// <remarks>0 (no commit) completes at once, as does every commit when SQLite syncs commits itself.</remarks>
    public Task WaitDurableAsync(long commit) => commit == 0 || groupSync is null ? Task.CompletedTask : groupSync.WaitDurableAsync(commit);

    /// <summary>Blocks until the commit numbered <paramref name="commit"/> is durable.</summary>
    public void WaitDurable(long commit)
    {
        if (commit != 0)
        {
            groupSync?.WaitDurable(commit);
        }
    }

    /// <summary>What SQLite itself reports when its busy timeout passes (SQLITE_BUSY).</summary>
    private static SqliteException Locked() => new("database is locked (no write turn within the busy timeout)", 5);
}

/// <summary>
/// A SQLite connection whose writes take the process's <see cref="WriterTurn"/>: a transaction
/// begun through <see cref="SqliteStorage.BeginTransactionAsync"/> holds it until it commits, rolls
/// back or is disposed; a statement that is not a plain read, run outside a transaction, holds it
/// while it runs (a reader until its command is disposed). Closing the connection gives back a turn
/// it still holds. Disposed as it was opened, it stays open for the storage's next user with the
/// statements it prepared (<see cref="OpenConnections"/>).
/// </summary>
internal sealed class WriterTurnConnection(string connectionString, WriterTurn turn, OpenConnections? keptBy = null) : SqliteConnection(connectionString)
{
    /// <summary>How many prepared statements a connection keeps; past that it starts over.</summary>
    internal const int KeptStatements = 64;

    /// <summary>Commands disposed by their users, kept with their statements prepared, by SQL.</summary>
    private readonly Dictionary<string, WriterTurnCommand> _kept = new(StringComparer.Ordinal);
    private int _lent;
    private bool _closing;
    private bool _holdsTurn;

    /// <summary>Gets whether this connection holds the write turn (a statement on it then needs no turn of its own).</summary>
    public bool HoldsTurn => _holdsTurn;

    /// <summary>Takes the write turn for this connection.</summary>
    public async ValueTask TakeTurnAsync(CancellationToken cancellationToken)
    {
        await turn.TakeAsync(cancellationToken).ConfigureAwait(false);
        _holdsTurn = true;
    }

    /// <summary>Takes the write turn for this connection, blocking the thread.</summary>
    public void TakeTurn()
    {
        turn.Take();
        _holdsTurn = true;
    }

    /// <summary>Gives the write turn back if this connection holds it.</summary>
    public void ReleaseTurn()
    {
        if (_holdsTurn)
        {
            _holdsTurn = false;
            turn.Release();
        }
    }

    /// <summary>
    /// Numbers the commit this connection has just written under its turn, then gives the turn back;
    /// returns the number to wait on with <see cref="WaitDurableAsync"/>.
    /// </summary>
    public long ReleaseTurnAfterCommit()
    {
        if (!_holdsTurn)
        {
            return 0;
        }

        try
        {
            return turn.Committed();
        }
        finally
        {
            ReleaseTurn();
        }
    }

    /// <summary>Completes when a commit numbered by <see cref="ReleaseTurnAfterCommit"/> is durable.</summary>
    public Task WaitDurableAsync(long commit) => turn.WaitDurableAsync(commit);

    /// <summary>Blocks until a commit numbered by <see cref="ReleaseTurnAfterCommit"/> is durable.</summary>
    public void WaitDurable(long commit) => turn.WaitDurable(commit);

    /// <summary>Begins a write transaction (BEGIN IMMEDIATE) after taking the write turn.</summary>
    public async ValueTask<DbTransaction> BeginWriteTransactionAsync(CancellationToken cancellationToken)
    {
        await TakeTurnAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return new WriterTurnTransaction(this, BeginTransaction(deferred: false));
        }
        catch
        {
            ReleaseTurn();
            throw;
        }
    }

    /// <inheritdoc/>
    public override SqliteCommand CreateCommand() => new WriterTurnCommand(this) { CommandTimeout = DefaultTimeout, Transaction = Transaction };

    /// <summary>
    /// Gets a command for <paramref name="sql"/> in <paramref name="transaction"/>: one this
    /// connection kept from an earlier use, its statement still prepared, or a new one that is
    /// kept when disposed.
    /// </summary>
    public WriterTurnCommand CreateCommand(string sql, SqliteTransaction? transaction)
    {
        WriterTurnCommand? command;
        lock (_kept)
        {
            _kept.Remove(sql, out command);
        }

        if (command is null)
        {
            return new WriterTurnCommand(this, reusable: true) { CommandText = sql, CommandTimeout = DefaultTimeout, Transaction = transaction };
        }

        command.Reuse(transaction);
        return command;
    }

    /// <summary>Counts a command handed out; a connection with commands out is not kept open for another user.</summary>
    internal void Lent() => Interlocked.Increment(ref _lent);

    /// <summary>
    /// Takes a disposed command back: keeps it for the next command with its SQL when
    /// <paramref name="reusable"/> and the connection stays open; returns whether it was kept.
    /// </summary>
    internal bool Returned(WriterTurnCommand command, bool reusable)
    {
        Interlocked.Decrement(ref _lent);
        if (!reusable || _closing || State != ConnectionState.Open)
        {
            return false;
        }

        List<WriterTurnCommand>? evicted = null;
        lock (_kept)
        {
            if (_kept.ContainsKey(command.CommandText))
            {
                return false;
            }

            if (_kept.Count >= KeptStatements)
            {
                evicted = [.. _kept.Values];
                _kept.Clear();
            }

            _kept.Add(command.CommandText, command);
        }

        evicted?.ForEach(kept => kept.Dispose());
        return true;
    }

    /// <inheritdoc/>
    public override void Close()
    {
        _closing = true;
        try
        {
            // Disposes every command of the connection, the kept ones too.
            base.Close();
        }
        finally
        {
            lock (_kept)
            {
                _kept.Clear();
            }

            _closing = false;
            ReleaseTurn();
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A connection left as it was opened (no transaction, no turn, every command disposed) stays
    /// open with its prepared statements for the next user, when its storage keeps connections.
    /// </remarks>
    protected override void Dispose(bool disposing)
    {
        if (disposing && keptBy is not null && !_closing && State == ConnectionState.Open && Transaction is null && !_holdsTurn
            && Volatile.Read(ref _lent) == 0 && keptBy.TryKeep(this))
        {
            return;
        }

        try
        {
            base.Dispose(disposing);
        }
        finally
        {
            ReleaseTurn();
        }
    }
}

/// <summary>
/// Open connections kept between uses with the statements they prepared, most recently used first.
/// Microsoft.Data.Sqlite pools native connections but finalizes a connection's statements when it
/// closes and keeps none from one command to the next (dotnet/efcore#14044), so every statement
/// was compiled again at every use: about half the cost of the short statements a message runs.
/// </summary>
internal sealed class OpenConnections(int capacity)
{
    private readonly ConcurrentStack<WriterTurnConnection> _idle = new();
    private int _count;
    private volatile bool _closed;

    /// <summary>Takes a kept connection, open and idle; null when none is kept.</summary>
    public WriterTurnConnection? TryTake()
    {
        if (!_idle.TryPop(out var connection))
        {
            return null;
        }

        Interlocked.Decrement(ref _count);
        return connection;
    }

    /// <summary>Keeps an idle open connection unless enough are kept or the storage closed.</summary>
    public bool TryKeep(WriterTurnConnection connection)
    {
        if (_closed || Interlocked.Increment(ref _count) > capacity)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }

        _idle.Push(connection);
        if (_closed)
        {
            CloseKept();
        }

        return true;
    }

    /// <summary>Closes the kept connections; none is kept from now on.</summary>
    public void Close()
    {
        _closed = true;
        CloseKept();
    }

    private void CloseKept()
    {
        while (TryTake() is { } connection)
        {
            connection.Dispose();
        }
    }
}

/// <summary>
/// A write transaction that gives its connection's <see cref="WriterTurn"/> back when it ends. Commands
/// enlist the SQLite transaction it wraps (<see cref="Unwrap"/>).
/// </summary>
internal sealed class WriterTurnTransaction(WriterTurnConnection connection, SqliteTransaction inner) : DbTransaction
{
    private List<Action>? _onCommitted;

    /// <inheritdoc/>
    public override IsolationLevel IsolationLevel => inner.IsolationLevel;

    /// <inheritdoc/>
    protected override DbConnection DbConnection => connection;

    /// <summary>Gets the SQLite transaction a command must be enlisted in, for a transaction that may be this wrapper.</summary>
    public static DbTransaction? Unwrap(DbTransaction? transaction) => transaction is WriterTurnTransaction turn ? turn.Inner : transaction;

    /// <summary>Gets the SQLite transaction.</summary>
    public SqliteTransaction Inner => inner;

    /// <summary>
    /// Runs <paramref name="action"/> right after this transaction commits (never if it rolls back),
    /// so what it wrote is handed on without polling for it to become visible.
    /// </summary>
    public void OnCommitted(Action action) => (_onCommitted ??= []).Add(action);

    /// <inheritdoc/>
    /// <remarks>Returns once the commit is durable; the write turn passes on before that.</remarks>
    public override void Commit()
    {
        connection.WaitDurable(CommitAndReleaseTurn());
        RunCommitted();
    }

    /// <inheritdoc/>
    /// <remarks>Returns once the commit is durable; the write turn passes on before that.</remarks>
    public override async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        // Cancellable before the commit, as DbTransaction's own; not after it, since the caller must
        // learn whether the commit became durable.
        cancellationToken.ThrowIfCancellationRequested();
        await connection.WaitDurableAsync(CommitAndReleaseTurn()).ConfigureAwait(false);
        RunCommitted();
    }

    private long CommitAndReleaseTurn()
    {
        try
        {
            inner.Commit();
        }
        catch
        {
            connection.ReleaseTurn();
            throw;
        }

        return connection.ReleaseTurnAfterCommit();
    }

    private void RunCommitted()
    {
        _onCommitted?.ForEach(action => action());
        _onCommitted = null;
    }

    /// <inheritdoc/>
    public override void Rollback()
    {
        try
        {
            inner.Rollback();
        }
        finally
        {
            connection.ReleaseTurn();
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        try
        {
            if (disposing)
            {
                inner.Dispose();
            }
        }
        finally
        {
            connection.ReleaseTurn();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// A command that takes its connection's write turn when it writes outside a transaction: for the
/// statement's run (non-query, scalar), or until it is disposed (a reader over <c>RETURNING</c>).
/// Such a write commits on its own; the command returns (or finishes disposing) once that commit
/// is durable, like a transaction's.
/// </summary>
/// <remarks>
/// A command made by <see cref="WriterTurnConnection.CreateCommand(string, SqliteTransaction?)"/> is
/// <paramref name="reusable"/>: disposing it hands it back to its connection with its statement
/// prepared, unless a statement of it failed or its reader is still open.
/// </remarks>
internal sealed class WriterTurnCommand(WriterTurnConnection connection, bool reusable = false) : SqliteCommand(string.Empty, connection)
{
    private bool _holdsTurn;
    private bool _lent = Lend(connection);
    private bool _failed;

    /// <inheritdoc/>
    public override int ExecuteNonQuery()
    {
        TakeTurnIfWriting();
        var result = Run(base.ExecuteNonQuery);
        connection.WaitDurable(ReleaseOwnTurnAfterCommit());
        return result;
    }

    /// <inheritdoc/>
    public override async Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken)
    {
        await TakeTurnIfWritingAsync(cancellationToken).ConfigureAwait(false);
        var result = Run(base.ExecuteNonQuery);
        await connection.WaitDurableAsync(ReleaseOwnTurnAfterCommit()).ConfigureAwait(false);
        return result;
    }

    /// <inheritdoc/>
    public override object? ExecuteScalar()
    {
        TakeTurnIfWriting();
        var result = Run(base.ExecuteScalar);
        connection.WaitDurable(ReleaseOwnTurnAfterCommit());
        return result;
    }

    /// <inheritdoc/>
    public override async Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken)
    {
        await TakeTurnIfWritingAsync(cancellationToken).ConfigureAwait(false);
        var result = Run(base.ExecuteScalar);
        await connection.WaitDurableAsync(ReleaseOwnTurnAfterCommit()).ConfigureAwait(false);
        return result;
    }

    /// <inheritdoc/>
    public override SqliteDataReader ExecuteReader(CommandBehavior behavior)
    {
        TakeTurnIfWriting();
        return Run(() => base.ExecuteReader(behavior));
    }

    /// <inheritdoc/>
    public override async Task<SqliteDataReader> ExecuteReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken)
    {
        await TakeTurnIfWritingAsync(cancellationToken).ConfigureAwait(false);
        return Run(() => base.ExecuteReader(behavior));
    }

    /// <inheritdoc/>
    /// <remarks>Disposing finishes the statement, which commits a write it made outside a transaction; this waits until that is durable.</remarks>
    public override async ValueTask DisposeAsync()
    {
        long commit;
        try
        {
            Finish(disposing: true);
        }
        finally
        {
            commit = ReleaseOwnTurnAfterCommit();
        }

        GC.SuppressFinalize(this);
        await connection.WaitDurableAsync(commit).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        long commit;
        try
        {
            Finish(disposing);
        }
        finally
        {
            commit = ReleaseOwnTurnAfterCommit();
        }

        if (disposing)
        {
            connection.WaitDurable(commit);
        }
    }

    /// <summary>A statement outside a transaction that is not a plain read (SELECT, PRAGMA) is a write.</summary>
    private bool NeedsTurn()
    {
        if (_holdsTurn || connection.HoldsTurn || Transaction is not null)
        {
            return false;
        }

        var sql = CommandText.AsSpan().TrimStart();
        return !sql.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) && !sql.StartsWith("PRAGMA", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Runs the statement; when it fails, gives back the turn it took (a failed statement commits nothing).</summary>
    private T Run<T>(Func<T> statement)
    {
        try
        {
            return statement();
        }
        catch
        {
            _failed = true;
            if (_holdsTurn)
            {
                _holdsTurn = false;
                connection.ReleaseTurn();
            }

            throw;
        }
    }

    private void TakeTurnIfWriting()
    {
        if (NeedsTurn())
        {
            connection.TakeTurn();
            _holdsTurn = true;
        }
    }

    private async ValueTask TakeTurnIfWritingAsync(CancellationToken cancellationToken)
    {
        if (NeedsTurn())
        {
            await connection.TakeTurnAsync(cancellationToken).ConfigureAwait(false);
            _holdsTurn = true;
        }
    }

    /// <summary>Hands out a command kept by its connection again, with no parameters.</summary>
    internal void Reuse(SqliteTransaction? transaction)
    {
        Parameters.Clear();
        Transaction = transaction;
        _lent = Lend(connection);
    }

    private static bool Lend(WriterTurnConnection connection)
    {
        connection.Lent();
        return true;
    }

    /// <summary>Hands the command back to its connection, which may keep it prepared; otherwise finalizes its statements.</summary>
    private void Finish(bool disposing)
    {
        if (disposing && _lent)
        {
            _lent = false;
            if (connection.Returned(this, reusable && !_failed && DataReader is null))
            {
                return;
            }
        }

        base.Dispose(disposing);
    }

    /// <summary>Gives back a turn this command took for its own write, numbering the commit that write made.</summary>
    private long ReleaseOwnTurnAfterCommit()
    {
        if (!_holdsTurn)
        {
            return 0;
        }

        _holdsTurn = false;
        return connection.ReleaseTurnAfterCommit();
    }
}

using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace WaOrleans.Grains.Storage.Sqlite;

/// <summary>
/// A SQLite connection whose writes take the process's <see cref="WriterTurn"/>: a transaction
/// begun through <see cref="SqliteStorage.BeginTransactionAsync"/> runs on the storage's writer
/// connection and holds the turn until it commits, rolls back or is disposed (disposing the
/// connection that began it rolls back one left open); a statement that is not a plain read, run outside a transaction, holds it
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

    /// <summary>The last write transaction begun for this connection's user on the storage's writer connection.</summary>
    private WriterTurnTransaction? _onWriter;

    /// <summary>Gets whether this connection holds the write turn (a statement on it then needs no turn of its own).</summary>
    public bool HoldsTurn => _holdsTurn;

    /// <summary>Gets the batch this connection's write transactions commit in.</summary>
    public CommitBatch Batch => turn.Batch;

    /// <summary>Takes the write turn for a statement outside a transaction, committing the open batch first.</summary>
    public async ValueTask TakeTurnAsync(CancellationToken cancellationToken)
    {
        await turn.TakeAsync(cancellationToken).ConfigureAwait(false);
        _holdsTurn = true;
        turn.Batch.Flush();
    }

    /// <summary>Takes the write turn for a statement outside a transaction, blocking the thread; commits the open batch first.</summary>
    public void TakeTurn()
    {
        turn.Take();
        _holdsTurn = true;
        turn.Batch.Flush();
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

    /// <summary>
    /// Begins a write transaction after taking the write turn: a member of the open
    /// <see cref="CommitBatch"/>, or of a new one (BEGIN IMMEDIATE).
    /// </summary>
    public async ValueTask<DbTransaction> BeginWriteTransactionAsync(CancellationToken cancellationToken)
    {
        await turn.TakeAsync(cancellationToken).ConfigureAwait(false);
        _holdsTurn = true;
        try
        {
            return new WriterTurnTransaction(this, turn.Batch.Begin(this));
        }
        catch
        {
            ReleaseTurn();
            throw;
        }
    }

    /// <summary>
    /// Begins a write transaction for this connection's user on <paramref name="writer"/>, the
    /// storage's writer connection. Disposing this connection while it is still open rolls it back,
    /// as for a transaction on this connection itself, so an abandoned transaction never keeps the turn.
    /// </summary>
    public async ValueTask<DbTransaction> BeginWriteTransactionAsync(WriterTurnConnection writer, CancellationToken cancellationToken)
    {
        var transaction = (WriterTurnTransaction)await writer.BeginWriteTransactionAsync(cancellationToken).ConfigureAwait(false);
        _onWriter = transaction;
        return transaction;
    }

    /// <inheritdoc/>
    public override SqliteCommand CreateCommand()
    {
        lock (CommandsLock)
        {
            return new WriterTurnCommand(this) { CommandTimeout = DefaultTimeout, Transaction = Transaction };
        }
    }

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
            // The writer connection's commands come and go on several threads (see CommandsLock).
            lock (CommandsLock)
            {
                return new WriterTurnCommand(this, reusable: true) { CommandText = sql, CommandTimeout = DefaultTimeout, Transaction = transaction };
            }
        }

        command.Reuse(transaction);
        return command;
    }

    /// <summary>
    /// Guards the connection's list of its commands, which SqliteConnection does not: a write
    /// transaction's commands may be disposed after it committed, while the next one creates its own
    /// on the same writer connection.
    /// </summary>
    internal object CommandsLock => _kept;

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
        var abandoned = _onWriter is { HoldsTurn: true };
        if (disposing)
        {
            _onWriter?.Dispose();
            _onWriter = null;
        }

        if (disposing && !abandoned && keptBy is not null && !_closing && State == ConnectionState.Open && Transaction is null && !_holdsTurn
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

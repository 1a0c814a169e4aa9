using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace WaOrleans.Grains.Storage.Sqlite;

/// <summary>
/// A write transaction that gives its connection's <see cref="WriterTurn"/> back when it ends. Commands
/// enlist the SQLite transaction it wraps (<see cref="Unwrap"/>).
/// </summary>
internal sealed class WriterTurnTransaction(WriterTurnConnection connection, SqliteTransaction inner) : DbTransaction
{
    private List<Action>? _onCommitted;

    /// <summary>
    /// Whether this transaction still holds the turn: its connection is shared by the next
    /// transaction once it committed, so a late dispose must not give that one's turn away.
    /// </summary>
    private bool _holdsTurn = true;

    /// <inheritdoc/>
    public override IsolationLevel IsolationLevel => inner.IsolationLevel;

    /// <inheritdoc/>
    protected override DbConnection DbConnection => connection;

    /// <summary>Gets the SQLite transaction a command must be enlisted in, for a transaction that may be this wrapper.</summary>
    public static DbTransaction? Unwrap(DbTransaction? transaction) => transaction is WriterTurnTransaction turn ? turn.Inner : transaction;

    /// <summary>Gets whether the transaction still holds the write turn: it has neither committed, rolled back nor been disposed.</summary>
    public bool HoldsTurn => _holdsTurn;

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
            ReleaseTurn();
            throw;
        }

        _holdsTurn = false;
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
            ReleaseTurn();
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
            ReleaseTurn();
        }

        base.Dispose(disposing);
    }

    private void ReleaseTurn()
    {
        if (_holdsTurn)
        {
            _holdsTurn = false;
            connection.ReleaseTurn();
        }
    }
}

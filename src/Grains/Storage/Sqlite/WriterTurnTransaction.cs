using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace WaOrleans.Grains.Storage.Sqlite;

/// <summary>
/// A write transaction that gives its connection's <see cref="WriterTurn"/> back when it ends: a
/// member of a <see cref="CommitBatch"/>, whose writes are a savepoint of the batch's SQLite
/// transaction. Commands enlist that transaction (<see cref="Unwrap"/>).
/// </summary>
internal sealed class WriterTurnTransaction(WriterTurnConnection connection, SqliteTransaction batch) : DbTransaction
{
    private List<Action>? _onCommitted;

    /// <summary>
    /// Whether this transaction still holds the turn: its connection is shared by the next
    /// transaction once it committed, so a late dispose must not give that one's turn away.
    /// </summary>
    private bool _holdsTurn = true;

    /// <inheritdoc/>
    public override IsolationLevel IsolationLevel => batch.IsolationLevel;

    /// <inheritdoc/>
    protected override DbConnection DbConnection => connection;

    /// <summary>Gets the SQLite transaction a command must be enlisted in, for a transaction that may be this wrapper.</summary>
    public static DbTransaction? Unwrap(DbTransaction? transaction) => transaction is WriterTurnTransaction turn ? turn.Inner : transaction;

    /// <summary>Gets whether the transaction still holds the write turn: it has neither committed, rolled back nor been disposed.</summary>
    public bool HoldsTurn => _holdsTurn;

    /// <summary>Gets the SQLite transaction of the batch this transaction is a member of.</summary>
    public SqliteTransaction Inner => batch;

    /// <summary>
    /// Runs <paramref name="action"/> right after this transaction commits (never if it rolls back),
    /// so what it wrote is handed on without polling for it to become visible.
    /// </summary>
    public void OnCommitted(Action action) => (_onCommitted ??= []).Add(action);

    /// <inheritdoc/>
    /// <remarks>Returns once the batch it joined has committed and is durable; the write turn passes on before that.</remarks>
    public override void Commit()
    {
        CommitAndReleaseTurn().GetAwaiter().GetResult();
        RunCommitted();
    }

    /// <inheritdoc/>
    /// <remarks>Returns once the batch it joined has committed and is durable; the write turn passes on before that.</remarks>
    public override async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        // Cancellable before the commit, as DbTransaction's own; not after it, since the caller must
        // learn whether the commit became durable.
        cancellationToken.ThrowIfCancellationRequested();
        await CommitAndReleaseTurn().ConfigureAwait(false);
        RunCommitted();
    }

    private Task CommitAndReleaseTurn()
    {
        ThrowIfCompleted();
        try
        {
            return connection.Batch.Commit(connection);
        }
        finally
        {
            ReleaseTurn();
        }
    }

    private void RunCommitted()
    {
        _onCommitted?.ForEach(action => action());
        _onCommitted = null;
    }

    /// <inheritdoc/>
    public override void Rollback()
    {
        ThrowIfCompleted();
        try
        {
            connection.Batch.Rollback(connection);
        }
        finally
        {
            ReleaseTurn();
        }
    }

    /// <inheritdoc/>
    /// <remarks>Rolls back a transaction that neither committed nor rolled back.</remarks>
    protected override void Dispose(bool disposing)
    {
        if (_holdsTurn)
        {
            try
            {
                connection.Batch.RollbackQuietly(connection);
            }
            finally
            {
                ReleaseTurn();
            }
        }

        base.Dispose(disposing);
    }

    private void ThrowIfCompleted()
    {
        if (!_holdsTurn)
        {
            throw new InvalidOperationException("This SqliteTransaction has completed; it is no longer usable.");
        }
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

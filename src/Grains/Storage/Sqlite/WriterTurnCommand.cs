using System.Data;
using Microsoft.Data.Sqlite;

namespace WaOrleans.Grains.Storage.Sqlite;

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

        lock (connection.CommandsLock)
        {
            base.Dispose(disposing);
        }
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

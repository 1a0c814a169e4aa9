using System.Data.Common;

namespace WaOrleans.Grains.Storage;

/// <summary>
/// One database holding the credentials, Signal state and LID mappings of many linked devices,
/// every row keyed by session id. <see cref="ForSession"/> gives the <see cref="SqlDeviceStore"/>
/// of one session; the providers (<see cref="Sqlite.SqliteStorage"/>,
/// <see cref="Postgres.PostgresStorage"/>) differ only in how they connect, lock and migrate.
/// </summary>
/// <remarks>
/// Opening a storage applies the provider's embedded migrations it lacks
/// (<c>Storage/&lt;Provider&gt;/Migrations/NNNN_name.sql</c>, in version order, each once): a new
/// table is a new numbered script in both providers' folders.
/// </remarks>
public abstract class DeviceStorage : IAsyncDisposable
{
    private protected DeviceStorage()
    {
    }

    /// <summary>
    /// Gets the store of one session; stores of different sessions never see each other's rows. A
    /// unit of work spans the stores reached through the returned store (its Signal and LID
    /// stores), so the owner of a session keeps one and uses it for everything.
    /// </summary>
    /// <exception cref="ArgumentException">The session id is empty.</exception>
    public SqlDeviceStore ForSession(string sessionId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        return new SqlDeviceStore(new SessionDatabase(this, sessionId));
    }

    /// <summary>Releases the provider's connections.</summary>
    public abstract ValueTask DisposeAsync();

    /// <summary>
    /// Opens a new connection to the database, configured as the stores use it, for tables that
    /// are not a session's (the caller disposes it).
    /// </summary>
    public abstract ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Begins a read-write transaction on an open connection. SQLite takes the write lock at once
    /// (<c>BEGIN IMMEDIATE</c>), so a transaction that reads and then writes never fails halfway on
    /// a lock upgrade.
    /// </summary>
    public virtual ValueTask<DbTransaction> BeginTransactionAsync(DbConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection.BeginTransactionAsync(cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="action"/> right after <paramref name="transaction"/> commits (never if it
    /// rolls back) and returns true, when the provider can; false leaves the caller to find out
    /// otherwise (PostgreSQL's transactions have no such hook).
    /// </summary>
    public virtual bool TryRunAfterCommit(DbTransaction transaction, Action action) => false;

    /// <summary>Applies the provider's schema migrations idempotently; returns how many were applied.</summary>
    private protected async Task<int> MigrateAsync(SchemaMigrator migrator, TimeProvider time, CancellationToken cancellationToken)
    {
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await BeginTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var applied = await migrator.ApplyAsync(connection, transaction, time, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return applied;
            }
        }
    }
}

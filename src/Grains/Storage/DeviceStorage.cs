using System.Data.Common;

namespace WaOrleans.Grains.Storage;

/// <summary>
/// One database holding the credentials, Signal state and LID mappings of many linked devices,
/// every row keyed by session id. <see cref="ForSession"/> gives the <see cref="SqlDeviceStore"/>
/// of one session; the providers (<see cref="Sqlite.SqliteStorage"/>,
/// <see cref="Postgres.PostgresStorage"/>) differ only in how they connect, lock and migrate.
/// </summary>
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

    /// <summary>Opens a new connection, configured for the stores.</summary>
    internal abstract ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Begins a read-write transaction on an open connection. SQLite takes the write lock at once
    /// (<c>BEGIN IMMEDIATE</c>), so a transaction that reads and then writes never fails halfway on
    /// a lock upgrade.
    /// </summary>
    internal virtual ValueTask<DbTransaction> BeginTransactionAsync(DbConnection connection, CancellationToken cancellationToken) =>
        connection.BeginTransactionAsync(cancellationToken);

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

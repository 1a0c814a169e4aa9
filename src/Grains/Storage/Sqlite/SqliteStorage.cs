using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace WaOrleans.Grains.Storage.Sqlite;

/// <summary>
/// The embedded single-node database: one SQLite file under a data directory, in WAL mode so
/// readers never wait for the writer, holding every session's stores.
/// </summary>
/// <remarks>
/// Writers are serialized by SQLite's file lock; a connection waits up to a busy timeout for it
/// instead of failing. By default the file keeps SQLite's <c>synchronous=FULL</c>: a commit that
/// returned survives a power cut, which the durability rules need before an ack goes to WhatsApp.
/// That costs one fsync per commit, serialized across every session (about 3 ms each on a
/// virtual disk, and a send or an inbound message commits several times), so a node that needs
/// more throughput can choose <see cref="SqliteSynchronous.Normal"/>; see there for what it gives up.
/// </remarks>
public sealed class SqliteStorage : DeviceStorage
{
    private static readonly SchemaMigrator Migrator = new(StorageConstants.SqliteMigrationsPrefix, static (_, _, _) => Task.CompletedTask);

    private readonly string _connectionString;
    private readonly string _connectionSetupSql;

    /// <summary>
    /// The write transactions of this process, one at a time in arrival order. SQLite admits one
    /// writer anyway; without this, the others poll for its lock with SQLite's busy handler, which
    /// sleeps 1, 2, 5 … 100 ms between tries: under load, half the time of a send went to those
    /// sleeps while the lock sat free (gateway benchmark, EventPipe samples).
    /// </summary>
    private readonly SemaphoreSlim _writer = new(1, 1);

    private SqliteStorage(string databasePath, SqliteSynchronous synchronous)
    {
        DatabasePath = databasePath;
        Synchronous = synchronous;
        // Both are per-connection settings; a PRAGMA takes no parameters, and the values are our own.
        _connectionSetupSql = string.Create(CultureInfo.InvariantCulture,
            $"PRAGMA busy_timeout = {(int)StorageConstants.SqliteBusyTimeout.TotalMilliseconds}; PRAGMA synchronous = {(synchronous == SqliteSynchronous.Normal ? "NORMAL" : "FULL")}");
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = (int)StorageConstants.SqliteBusyTimeout.TotalSeconds,
        }.ToString();
    }

    /// <summary>Gets the path of the database file.</summary>
    public string DatabasePath { get; }

    /// <summary>Gets how commits are flushed to disk.</summary>
    public SqliteSynchronous Synchronous { get; }

    /// <summary>
    /// Opens (creating when needed) the database under <paramref name="dataDirectory"/>, switches
    /// it to WAL mode and applies the schema migrations it lacks.
    /// </summary>
    public static Task<SqliteStorage> OpenAsync(string dataDirectory, TimeProvider? time = null, CancellationToken cancellationToken = default) =>
        OpenAsync(dataDirectory, SqliteSynchronous.Full, time, cancellationToken);

    /// <summary>
    /// Opens (creating when needed) the database under <paramref name="dataDirectory"/> with the
    /// given flushing of commits, switches it to WAL mode and applies the schema migrations it lacks.
    /// </summary>
    public static async Task<SqliteStorage> OpenAsync(string dataDirectory, SqliteSynchronous synchronous, TimeProvider? time = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        Directory.CreateDirectory(dataDirectory);
        var storage = new SqliteStorage(Path.GetFullPath(Path.Combine(dataDirectory, StorageConstants.SqliteFileName)), synchronous);
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // WAL is a property of the file, kept across connections; it cannot change inside a
            // transaction, and a file system without shared memory silently keeps the old mode.
            await using var wal = connection.CreateCommand(null, "PRAGMA journal_mode = WAL");
            var mode = await wal.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            if (!string.Equals(mode, StorageConstants.SqliteWalMode, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"SQLite database {storage.DatabasePath} cannot use WAL mode (it reports '{mode}')");
            }
        }

        await storage.MigrateAsync(Migrator, time ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
        return storage;
    }

    /// <summary>Releases the pooled connections, so the file can be moved or deleted.</summary>
    public override ValueTask DisposeAsync()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }

    /// <summary>Describes the storage by its file.</summary>
    public override string ToString() => $"SqliteStorage({DatabasePath})";

    /// <inheritdoc/>
    public override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        var connection = new WriterGatedConnection(_connectionString, _writer);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var setup = connection.CreateCommand(null, _connectionSetupSql);
            await setup.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The transaction takes this process's writer turn first (released when its connection closes,
    /// which every caller does right after the commit), then SQLite's write lock (BEGIN IMMEDIATE).
    /// </remarks>
    public override async ValueTask<DbTransaction> BeginTransactionAsync(DbConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection is not WriterGatedConnection gated)
        {
            return ((SqliteConnection)connection).BeginTransaction(deferred: false);
        }

        await gated.TakeWriterTurnAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return gated.BeginTransaction(deferred: false);
        }
        catch
        {
            gated.EndWriterTurn();
            throw;
        }
    }

    /// <summary>A connection that holds the process's writer turn from its transaction's start until it closes.</summary>
    private sealed class WriterGatedConnection(string connectionString, SemaphoreSlim writer) : SqliteConnection(connectionString)
    {
        private int _holdsTurn;

        /// <summary>Waits for the writer turn, as long as SQLite's busy timeout would have waited for the lock.</summary>
        public async Task TakeWriterTurnAsync(CancellationToken cancellationToken)
        {
            if (Volatile.Read(ref _holdsTurn) == 1)
            {
                return;
            }

            if (!await writer.WaitAsync(StorageConstants.SqliteBusyTimeout, cancellationToken).ConfigureAwait(false))
            {
                // What SQLite itself reports when the busy timeout passes.
                throw new SqliteException("database is locked (no write turn within the busy timeout)", 5);
            }

            Volatile.Write(ref _holdsTurn, 1);
        }

        /// <summary>Gives the writer turn back, once.</summary>
        public void EndWriterTurn()
        {
            if (Interlocked.Exchange(ref _holdsTurn, 0) == 1)
            {
                writer.Release();
            }
        }

        /// <inheritdoc/>
        public override void Close()
        {
            try
            {
                base.Close();
            }
            finally
            {
                EndWriterTurn();
            }
        }

        /// <inheritdoc/>
        protected override void Dispose(bool disposing)
        {
            try
            {
                base.Dispose(disposing);
            }
            finally
            {
                EndWriterTurn();
            }
        }
    }
}

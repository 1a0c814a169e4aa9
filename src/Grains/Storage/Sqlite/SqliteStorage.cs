using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace WaOrleans.Grains.Storage.Sqlite;

/// <summary>
/// The embedded single-node database: one SQLite file under a data directory, in WAL mode so
/// readers never wait for the writer, holding every session's stores.
/// </summary>
/// <remarks>
/// Writers of this process take turns in arrival order (<see cref="WriterTurn"/>) before SQLite's
/// file lock, which a connection would otherwise poll for up to a busy timeout. By default
/// (<see cref="SqliteSynchronous.Full"/>) a commit that returned survives a power cut, which the
/// durability rules need before an ack goes to WhatsApp: commits wait for a sync of the log that
/// covers every commit made while the previous sync ran (<see cref="WalGroupSync"/>), about 3 ms
/// on a virtual disk, shared by every session's writers. A node can choose
/// <see cref="SqliteSynchronous.Normal"/> to skip that wait; see there for what it gives up.
/// Write transactions that queue for the turn commit together (<see cref="CommitBatch"/>), and the
/// log is copied into the database file in the background (<see cref="WalCheckpointer"/>), so no
/// writer waits for a checkpoint.
/// </remarks>
public sealed class SqliteStorage : DeviceStorage
{
    private static readonly SchemaMigrator Migrator = new(StorageConstants.SqliteMigrationsPrefix, static (_, _, _) => Task.CompletedTask);

    private readonly string _connectionString;
    private readonly string _connectionSetupSql;
    private readonly WriterTurn _writerTurn;
    private readonly OpenConnections _open = new(StorageConstants.SqliteKeptConnections);

    /// <summary>
    /// The connection every write transaction runs on, opened last by <see cref="OpenAsync(string, SqliteSynchronous, TimeProvider?, CancellationToken)"/>.
    /// Only its own commits then change the file under its page cache, which SQLite otherwise drops
    /// whenever another connection has committed: each transaction read again every page it touched.
    /// </summary>
    private WriterTurnConnection? _writer;

    /// <summary>Copies the log into the database file in the background, once the storage is open.</summary>
    private WalCheckpointer? _checkpointer;

    /// <summary>The native connections (pooled, reused by later opens) that have had the setup statement.</summary>
    private readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> _configured = [];
    private static readonly object Configured = new();

    private SqliteStorage(string databasePath, SqliteSynchronous synchronous)
    {
        DatabasePath = databasePath;
        Synchronous = synchronous;
        // Full durability comes from syncing the log for a group of commits (WalGroupSync), not from
        // SQLite's sync inside every commit: the connections themselves always run NORMAL.
        _writerTurn = new WriterTurn(synchronous == SqliteSynchronous.Full ? new WalGroupSync(databasePath) : null);
        // All are per-connection settings; a PRAGMA takes no parameters, and the values are our own.
        _connectionSetupSql = string.Create(CultureInfo.InvariantCulture,
            $"PRAGMA busy_timeout = {(int)StorageConstants.SqliteBusyTimeout.TotalMilliseconds}; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = {StorageConstants.SqliteWalAutoCheckpointPages}");
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

    /// <summary>Gets the group sync that makes commits durable with <see cref="SqliteSynchronous.Full"/>; null with <see cref="SqliteSynchronous.Normal"/>.</summary>
    internal WalGroupSync? GroupSync => _writerTurn.GroupSync;

    /// <summary>Gets how many background checkpoints ran (<see cref="WalCheckpointer"/>).</summary>
    internal long Checkpoints => _checkpointer?.Checkpoints ?? 0;

    /// <summary>Gets how many writers wait for the write turn.</summary>
    internal int WritersWaiting => _writerTurn.Waiting;

    /// <summary>Gets the batch write transactions commit in.</summary>
    internal CommitBatch Batch => _writerTurn.Batch;

    /// <summary>
    /// Gets how many write transactions SQLite committed on this storage's connections since it was
    /// opened, single statements outside a transaction included (counted as each hands the write turn on).
    /// Write transactions that committed together in one batch (<see cref="CommitBatch"/>) count once:
    /// each commit writes the pages it changed to the log, the number to keep small per send and per
    /// received message.
    /// </summary>
    public long Commits => _writerTurn.Commits;

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
        var writer = (WriterTurnConnection)await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var cache = writer.CreateCommand(null, $"PRAGMA cache_size = -{StorageConstants.SqliteWriterCacheKiB}"))
        {
            await cache.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        storage._writer = writer;
        storage._writerTurn.Batch.RunOn(writer);
        storage._checkpointer = await WalCheckpointer.StartAsync(storage._connectionString, () => storage.Commits, StorageConstants.SqliteCheckpointInterval).ConfigureAwait(false);

        return storage;
    }

    /// <summary>Closes the connections kept open and releases the pooled ones, so the file can be moved or deleted.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _checkpointer, null) is { } checkpointer)
        {
            await checkpointer.DisposeAsync().ConfigureAwait(false);
        }

        // Transactions that committed into a batch still open return once it commits; a writer that
        // holds the turn past the busy timeout has its batch rolled back by the close instead.
        if (await _writerTurn.TryTakeAsync(StorageConstants.SqliteBusyTimeout).ConfigureAwait(false))
        {
            try
            {
                _writerTurn.Batch.Flush();
            }
            finally
            {
                _writerTurn.Release();
            }
        }

        _open.Close();
        _writer?.Close();
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    /// <summary>Describes the storage by its file.</summary>
    public override string ToString() => $"SqliteStorage({DatabasePath})";

    /// <inheritdoc/>
    /// <remarks>An idle connection kept open from an earlier use comes first, with the statements it has prepared.</remarks>
    public override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        if (_open.TryTake() is { } kept)
        {
            return kept;
        }

        var connection = new WriterTurnConnection(_connectionString, _writerTurn, _open);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            // Pooled handles keep their settings: configure each native connection once, not at every open.
            if (connection.Handle is { } handle && !_configured.TryGetValue(handle, out _))
            {
                await using var setup = connection.CreateCommand(null, _connectionSetupSql);
                await setup.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                _configured.AddOrUpdate(handle, Configured);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc/>
    public override bool TryRunAfterCommit(DbTransaction transaction, Action action)
    {
        if (transaction is not WriterTurnTransaction turnTaking)
        {
            return false;
        }

        turnTaking.OnCommitted(action);
        return true;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The transaction takes this process's write turn first (<see cref="WriterTurn"/>), then SQLite's
    /// write lock, and runs on the storage's writer connection: commands made for it with
    /// <see cref="SqlParameters.CreateCommand"/> go there, whichever open connection they name.
    /// </remarks>
    public override ValueTask<DbTransaction> BeginTransactionAsync(DbConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection is not WriterTurnConnection turnTaking)
        {
            return new(((SqliteConnection)connection).BeginTransaction(deferred: false));
        }

        // Until the migrations have run, there is no writer connection yet.
        return _writer is { } writer
            ? turnTaking.BeginWriteTransactionAsync(writer, cancellationToken)
            : turnTaking.BeginWriteTransactionAsync(cancellationToken);
    }
}

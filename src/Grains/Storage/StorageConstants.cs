namespace WaOrleans.Grains.Storage;

/// <summary>The fixed values of the durable stores, each with the reason for its value.</summary>
internal static class StorageConstants
{
    /// <summary>
    /// The SQLite file under the data directory: one database holds every session, as one
    /// PostgreSQL database does in a cluster.
    /// </summary>
    public const string SqliteFileName = "waorleans.db";

    /// <summary>
    /// How long a SQLite connection waits for another writer before failing: writers are
    /// serialized by the file lock, and a commit takes milliseconds, so seconds mean a stuck process.
    /// </summary>
    public static readonly TimeSpan SqliteBusyTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many idle SQLite connections a process keeps open with their prepared statements: more
    /// than the statements that run at once on a node (one writer, and readers bounded by the
    /// thread pool), and each holds only its page cache and statements.
    /// </summary>
    public const int SqliteKeptConnections = 32;

    /// <summary>
    /// How many pages the SQLite log may grow by before a commit copies them into the database file
    /// itself (SQLite's default is 1,000): only a bound, since <see cref="Sqlite.WalCheckpointer"/>
    /// copies the log in the background every <see cref="SqliteCheckpointInterval"/>, off the write turn.
    /// </summary>
    public const int SqliteWalAutoCheckpointPages = 8192;

    /// <summary>
    /// How often the background checkpoint copies the SQLite log into the database file while commits
    /// are made. A page written several times in between is copied once (a received message writes
    /// about 15 pages, most of them the same few hot ones); the log holds at most this long of commits.
    /// </summary>
    public static readonly TimeSpan SqliteCheckpointInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The page cache of the writer connection, in KiB (SQLite's default is 2,000): every write
    /// transaction runs there, and the index pages a message changes are spread over the files.
    /// </summary>
    public const int SqliteWriterCacheKiB = 16384;

    /// <summary>
    /// The PostgreSQL advisory lock key that serializes schema migrations when several silos start
    /// at once ("WaOrlean" in ASCII, so it is recognisable in <c>pg_locks</c>).
    /// </summary>
    public const long PostgresMigrationLockKey = 0x57614F726C65616E;

    /// <summary>The journal mode SQLite reports once write-ahead logging is on.</summary>
    public const string SqliteWalMode = "wal";

    /// <summary>The prefix of the embedded SQLite migration scripts.</summary>
    public const string SqliteMigrationsPrefix = "WaOrleans.Grains.Storage.Sqlite.Migrations.";

    /// <summary>The prefix of the embedded PostgreSQL migration scripts.</summary>
    public const string PostgresMigrationsPrefix = "WaOrleans.Grains.Storage.Postgres.Migrations.";
}

namespace WaOrleans.Grains.Storage.Sqlite;

/// <summary>How the embedded SQLite database flushes a commit to disk (<c>PRAGMA synchronous</c>, in WAL mode).</summary>
public enum SqliteSynchronous
{
    /// <summary>
    /// Every commit is fsynced before it returns: nothing committed is lost even to a power cut or
    /// an operating-system crash. Commits made while one sync runs share the next one
    /// (<see cref="WalGroupSync"/>), so concurrent writers are not serialized behind one fsync each.
    /// The default.
    /// </summary>
    Full,

    /// <summary>
    /// The write-ahead log is fsynced at checkpoints, not at each commit: a commit survives the
    /// gateway process crashing or being killed (it is in the operating system's cache), and the
    /// database is never corrupted, but a power cut or an operating-system crash can roll back the
    /// last commits — inbound messages already acknowledged to WhatsApp among them. A single
    /// writer's commits return sooner on a disk with slow fsync, but the gateway as a whole was not
    /// faster: at 1,000 inbound messages/s on one 2-core machine it fell behind where <see cref="Full"/>
    /// kept up, with as many commits (the cause is not known yet), and on a faster one it kept up with
    /// no better figures (README, "Benchmarks").
    /// </summary>
    Normal,
}

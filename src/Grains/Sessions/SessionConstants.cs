namespace WaOrleans.Grains.Sessions;

/// <summary>The fixed values of the session grains, each with the reason for its value.</summary>
internal static class SessionConstants
{
    /// <summary>The tenant of sessions created without one (single-user installations and the admin).</summary>
    public const string DefaultTenant = "default";

    /// <summary>How often the failover supervisor tries to bring one session back before leaving it to the watchdog reminder.</summary>
    public const int FailoverAttempts = 5;

    /// <summary>
    /// The pause between those tries: an activation refused while the cluster settles around a
    /// death (seen once in ~40 kills) succeeds a second later.
    /// </summary>
    public static readonly TimeSpan FailoverRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>The name of the per-session watchdog reminder.</summary>
    public const string WatchdogReminder = "session-watchdog";

    /// <summary>
    /// How often the watchdog reminder ticks. One minute is Orleans' default minimum reminder
    /// period (ORLEANS.md §2.3): the reminder is the durable backstop after a node loss, and the
    /// fast path (startup scan, membership supervisor) does the quick work.
    /// </summary>
    public static readonly TimeSpan WatchdogPeriod = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often an online activation re-reads its fencing epoch. A few seconds bounds how long a
    /// superseded activation (a paused or partitioned silo) can hold a second connection.
    /// </summary>
    public static readonly TimeSpan FencingCheckPeriod = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long after a 440 a session re-checks whether it still owns its epoch: longer than a
    /// fencing period, so a superseded activation that caused the 440 has closed by then.
    /// </summary>
    public static readonly TimeSpan ReplacedRecheckDelay = FencingCheckPeriod + TimeSpan.FromSeconds(2);

    /// <summary>
    /// How many times one activation takes its device back after a 440 while still owning the
    /// newest epoch: enough for a resumed stale activation or two, never an endless fight.
    /// </summary>
    public const int MaxReplacedReclaims = 3;

    /// <summary>
    /// How long ConnectAsync waits for the unpaired connection a pairing code needs: a WebSocket,
    /// a Noise handshake and the first QR ref take well under a second, so 30 s means it failed.
    /// </summary>
    public static readonly TimeSpan PairingReadyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How often ConnectAsync looks at the client's state while waiting for it; short, because the wait is for a handshake.</summary>
    public static readonly TimeSpan PairingReadyPoll = TimeSpan.FromMilliseconds(50);

    /// <summary>The prefix of WhatsApp Web message ids (PROTOCOL.md §6.1); phones accept any id but group them by it.</summary>
    public const string MessageIdPrefix = "3EB0";

    /// <summary>Random bytes after the prefix: 9 bytes give the 18 hex characters WhatsApp Web ids have.</summary>
    public const int MessageIdRandomBytes = 9;

    /// <summary>
    /// How many sessions a silo brings back at once after another silo died: enough to overlap
    /// the database reads and WhatsApp handshakes, few enough not to stampede either.
    /// </summary>
    public const int FailoverParallelism = 32;

    /// <summary>
    /// How long a shutting-down silo spends handing its sessions over: a re-activation is a
    /// database read and a login (about a second), and shutdown must not wait on a stuck one.
    /// </summary>
    public static readonly TimeSpan HandoverTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The 32-bit FNV-1a offset basis: the failover share must hash the same on every silo.</summary>
    public const uint FnvOffsetBasis = 2166136261;

    /// <summary>The 32-bit FNV-1a prime.</summary>
    public const uint FnvPrime = 16777619;

    /// <summary>How long downloading a media URL may take: a sender waits for the answer, so 10 s.</summary>
    public static readonly TimeSpan MediaDownloadTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The largest media accepted: 64 MiB covers WhatsApp's video and audio limits; documents beyond it are rare.</summary>
    public const int MaxMediaBytes = 64 * 1024 * 1024;

    /// <summary>The read buffer of a media download: one 64 KiB chunk at a time keeps the size check cheap.</summary>
    public const int MediaReadChunk = 64 * 1024;

    /// <summary>How many times a send is tried when the connection fails under it: a reconnect takes a second or two, so 3 tries cover one drop.</summary>
    public const int SendAttempts = 3;

    /// <summary>The first wait before trying a send again; it doubles each time (1 s, 2 s).</summary>
    public static readonly TimeSpan SendRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>The longest idempotency key accepted: keys are usually UUIDs; 200 leaves room for composite keys.</summary>
    public const int MaxIdempotencyKeyLength = 200;

    /// <summary>The longest session name accepted.</summary>
    public const int MaxNameLength = 200;

    /// <summary>How long a "not on WhatsApp" answer is trusted before the number is asked again: people install WhatsApp.</summary>
    public static readonly TimeSpan NotOnWhatsAppCacheTime = TimeSpan.FromMinutes(10);

    /// <summary>How many number checks a session remembers: a bound on memory for a session that messages many numbers.</summary>
    public const int NumberCacheCapacity = 10_000;

    /// <summary>The most files a Baileys auth folder import may carry: a busy account has a few thousand sessions and prekeys; more is not an auth folder.</summary>
    public const int MaxImportFiles = 20_000;

    /// <summary>The most bytes (UTF-8) a Baileys auth folder import may carry in all; matches the API's body limit for the route.</summary>
    public const long MaxImportBytes = 32L * 1024 * 1024;
}

namespace WaOrleans.Api;

/// <summary>The fixed values of the REST API, each with the reason for its value.</summary>
public static class ApiConstants
{
    /// <summary>The route prefix of every endpoint of DESIGN.md's table.</summary>
    public const string Prefix = "/api";

    /// <summary>The authentication scheme name of API keys.</summary>
    public const string Scheme = "ApiKey";

    /// <summary>The header that carries a key for clients that cannot set <c>Authorization</c>.</summary>
    public const string ApiKeyHeader = "X-API-Key";

    /// <summary>The header that makes a retried send return the first result.</summary>
    public const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>
    /// The body limit of routes that carry media (messages, broadcasts): 16 MiB of media grows by
    /// a third in base64, plus the JSON around it. WhatsApp's own limits are 16 MiB for images,
    /// video and audio; larger documents go by URL.
    /// </summary>
    public const long MediaBodyLimit = 24L * 1024 * 1024;

    /// <summary>
    /// The body limit of the Baileys auth folder import: a busy account's folder (thousands of
    /// small session and prekey files) stays well under it, and the session grain refuses more.
    /// </summary>
    public const long ImportBodyLimit = 32L * 1024 * 1024;

    /// <summary>The body limit of every other route: 1 MiB holds a broadcast to ten thousand numbers with names.</summary>
    public const long DefaultBodyLimit = 1024L * 1024;

    /// <summary>The longest key accepted before hashing; generated keys have 47 characters, configured ones may be longer.</summary>
    public const int MaxKeyLength = 512;

    /// <summary>The longest session id: it appears in URLs, logs and database keys.</summary>
    public const int MaxSessionIdLength = 64;

    /// <summary>The longest idempotency key.</summary>
    public const int MaxIdempotencyKeyLength = 200;

    /// <summary>How often the event stream polls the event feed: a QR refresh or a message shows within a quarter second.</summary>
    public static readonly TimeSpan EventPollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>How often the event stream sends a comment line so proxies keep an idle stream open (most cut at 30-60 s).</summary>
    public static readonly TimeSpan EventHeartbeat = TimeSpan.FromSeconds(15);

    /// <summary>Events read per poll: enough to drain a burst in a few polls without one huge read.</summary>
    public const int EventBatch = 100;

    /// <summary>The most numbers one contact check may name: one usync query of WhatsApp Web's size.</summary>
    public const int MaxCheckedNumbers = 500;

    /// <summary>The most recipients of one broadcast.</summary>
    public const int MaxBroadcastRecipients = 10_000;

    /// <summary>The default page size of the message log.</summary>
    public const int DefaultPageSize = 50;

    /// <summary>The largest page of the message log.</summary>
    public const int MaxPageSize = 200;

    /// <summary>The most deliveries listed per webhook.</summary>
    public const int MaxDeliveries = 200;

    /// <summary>The pixels per QR module of the PNG rendering: 10 gives a 500-600 px image a phone scans from a screen.</summary>
    public const int QrPixelsPerModule = 10;

    /// <summary>The prefix of broadcast job ids.</summary>
    public const string BroadcastIdPrefix = "bc_";

    /// <summary>The prefix of generated session ids.</summary>
    public const string SessionIdPrefix = "ses_";

    /// <summary>How long the readiness probe waits for the silo and database before saying not ready.</summary>
    public static readonly TimeSpan ReadinessTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How often the sessions-by-status gauge is refreshed from the session directory.</summary>
    public static readonly TimeSpan SessionGaugePeriod = TimeSpan.FromSeconds(15);
}

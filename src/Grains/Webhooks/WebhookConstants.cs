namespace WaOrleans.Grains.Webhooks;

/// <summary>The fixed values of webhooks and their delivery, each with the reason for its value.</summary>
internal static class WebhookConstants
{
    /// <summary>The longest URL accepted (DESIGN.md): longer ones are refused by many servers and proxies anyway.</summary>
    public const int MaxUrlLength = 2048;

    /// <summary>The prefix of a secret (Standard Webhooks): the rest is the base64 of the key bytes.</summary>
    public const string SecretPrefix = "whsec_";

    /// <summary>The bytes of a generated secret: Standard Webhooks asks for 24 to 64; 32 is one SHA-256 block's key.</summary>
    public const int GeneratedSecretBytes = 32;

    /// <summary>The fewest key bytes a given secret may have (Standard Webhooks' lower bound).</summary>
    public const int MinSecretBytes = 24;

    /// <summary>The most key bytes a given secret may have (Standard Webhooks' upper bound; HMAC-SHA256 hashes longer keys).</summary>
    public const int MaxSecretBytes = 64;

    /// <summary>The filter entry that matches every event type.</summary>
    public const string AllEvents = "*";

    /// <summary>The prefix of webhook ids, so an id says what it names.</summary>
    public const string WebhookIdPrefix = "wh_";

    /// <summary>Random bytes of a webhook id: 12 bytes (96 bits) never collide in practice.</summary>
    public const int WebhookIdBytes = 12;

    /// <summary>The prefix of delivery ids (the <c>webhook-id</c> header), as Standard Webhooks' examples write them.</summary>
    public const string DeliveryIdPrefix = "msg_";

    /// <summary>Bytes of the hash in a delivery id: 16 bytes (128 bits) of SHA-256 keep ids short and unique.</summary>
    public const int DeliveryIdHashBytes = 16;

    /// <summary>The most bytes of a response body kept in the attempt log (1 KiB): enough to read an error page's message.</summary>
    public const int ResponseExcerptBytes = 1024;

    /// <summary>The most deliveries one list call returns.</summary>
    public const int MaxDeliveriesListed = 100;

    /// <summary>
    /// The retry delays as multiples of <see cref="WebhookOptions.BackoffBase"/>: with 5 s this is
    /// 5 s, 30 s, 2 m, 5 m, 15 m, 30 m, 1 h, 2 h, 4 h, 8 h, then 8 h until the window ends: about ten
    /// attempts in 24 h (DESIGN.md), dense at first when a receiver is merely restarting.
    /// </summary>
    public static readonly int[] BackoffMultipliers = [1, 6, 24, 60, 180, 360, 720, 1440, 2880, 5760];

    /// <summary>The jitter on each retry delay (±20 %): retries after an outage spread out instead of arriving together.</summary>
    public const double BackoffJitter = 0.2;

    /// <summary>What a lease adds to the attempt timeouts: time to write the result back to a busy database.</summary>
    public static readonly TimeSpan LeaseMargin = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The re-polls after a wake-up that found nothing, in milliseconds. A publish inside the
    /// caller's transaction wakes the worker before the commit; on PostgreSQL the claim does not
    /// see the row until then (SQLite's claim waits for the write lock instead), so the worker
    /// looks again a few times in the first ~100 ms before falling back to the poll interval.
    /// </summary>
    public static readonly int[] WakeRepollMilliseconds = [1, 2, 5, 10, 20, 60];

    /// <summary>
    /// When a worker that was handed deliveries straight from the outbox reads them again, in
    /// milliseconds after the hand-off. It happens inside the publisher's transaction, so the
    /// rows appear when that commits: normally within milliseconds. Rows still unseen after
    /// these ~2 s are released to the ordinary claims (the transaction may have rolled back).
    /// </summary>
    public static readonly int[] HandOffReadMilliseconds = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

    /// <summary>
    /// How many sent outcomes, per delivery a worker may hold, may wait to be written back before it
    /// takes no more: writes are batched, and a busy SQLite file can keep the writer waiting, but
    /// memory stays bounded and the rows stay leased meanwhile.
    /// </summary>
    public const int UnwrittenPerHeld = 4;

    /// <summary>How many due deliveries one claim takes at most, so one claim never holds many rows for long.</summary>
    public const int MaxClaimBatch = 64;

    /// <summary>
    /// How many deliveries per send slot a worker holds for one webhook: a few queued behind each
    /// slot keep a busy receiver fed without a claim (a database write) per delivery. One that
    /// waited so long that its lease would run out mid-send is left to be claimed again instead.
    /// </summary>
    public const int ClaimAheadPerSlot = 4;

    /// <summary>How long a stopping worker waits for deliveries in flight before abandoning them to their leases.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    /// <summary>How long a worker waits after a database error before it tries again.</summary>
    public static readonly TimeSpan ErrorBackoff = TimeSpan.FromSeconds(1);

    /// <summary>The User-Agent of deliveries, so receivers can tell them apart in their logs.</summary>
    public const string UserAgent = "WaOrleans-Webhooks/1.0";
}

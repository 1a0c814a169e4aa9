namespace WaOrleans.Protocol.Client;

/// <summary>Protocol values of the client layer, each with the reason for its value.</summary>
public static class ClientConstants
{
    /// <summary>How long an iq waits for its answer: whatsmeow's <c>defaultRequestTimeout</c> (Baileys uses 60 s).</summary>
    public static readonly TimeSpan DefaultQueryTimeout = TimeSpan.FromSeconds(75);

    /// <summary>How long one media transfer may take: generous, as a 100 MB video on a slow link takes minutes.</summary>
    public static readonly TimeSpan DefaultMediaTimeout = TimeSpan.FromMinutes(10);

    /// <summary>How often a keepalive ping goes out: Baileys' 30 s (whatsmeow picks 20–30 s at random).</summary>
    public static readonly TimeSpan DefaultKeepAliveInterval = TimeSpan.FromSeconds(30);

    /// <summary>How long past a missed ping a silent connection is declared dead: Baileys' 5 s.</summary>
    public static readonly TimeSpan DefaultKeepAliveGrace = TimeSpan.FromSeconds(5);

    /// <summary>The first reconnect delay; short, because most drops are momentary.</summary>
    public static readonly TimeSpan DefaultReconnectBaseDelay = TimeSpan.FromSeconds(1);

    /// <summary>The longest reconnect delay, so a client comes back within minutes of an outage ending.</summary>
    public static readonly TimeSpan DefaultReconnectMaxDelay = TimeSpan.FromMinutes(2);

    /// <summary>The share of each delay randomized (±), so many sessions do not reconnect in lockstep after an outage.</summary>
    public const double DefaultReconnectJitter = 0.2;

    /// <summary>How long the first QR code lives: 60 s in both reference clients (PROTOCOL.md §4.1).</summary>
    public static readonly TimeSpan DefaultFirstQrLifetime = TimeSpan.FromSeconds(60);

    /// <summary>How long each later QR code lives: 20 s in both reference clients (PROTOCOL.md §4.1).</summary>
    public static readonly TimeSpan DefaultQrLifetime = TimeSpan.FromSeconds(20);

    /// <summary>The QR string prefix of Baileys rc14 and whatsmeow HEAD (PROTOCOL.md §4.1).</summary>
    public const string QrPrefix = "https://wa.me/settings/linked_devices#";

    /// <summary>
    /// How long after the first retry receipt an undecryptable message is asked from our own phone:
    /// whatsmeow's <c>RequestFromPhoneDelay</c>, time for the sender's resend to arrive first.
    /// </summary>
    public static readonly TimeSpan DefaultPlaceholderResendDelay = TimeSpan.FromSeconds(5);

    /// <summary>How many prekeys a device uploads when the server has none: 812 in both clients (PROTOCOL.md §4.5).</summary>
    public const int InitialPreKeyCount = 812;

    /// <summary>Below this server-side stock the client uploads more: 5 in both clients (PROTOCOL.md §5.4).</summary>
    public const int MinPreKeyCount = 5;

    /// <summary>How many prekeys a top-up uploads: whatsmeow's batch of 50, so one fetch burst does not empty the stock again.</summary>
    public const int PreKeyTopUpCount = 50;

    /// <summary>The Signal key type byte sent in registration data and prekey uploads (DJB, PROTOCOL.md §2.3).</summary>
    public const byte KeyTypeDjb = 5;

    /// <summary>The ADV account-signature prefix (PROTOCOL.md §4.2).</summary>
    internal static ReadOnlySpan<byte> AdvAccountSignaturePrefix => [6, 0];

    /// <summary>The ADV account-signature prefix for a hosted device (PROTOCOL.md §4.2).</summary>
    internal static ReadOnlySpan<byte> AdvHostedAccountSignaturePrefix => [6, 5];

    /// <summary>The ADV device-signature prefix; both clients always use it (PROTOCOL.md §4.2).</summary>
    internal static ReadOnlySpan<byte> AdvDeviceSignaturePrefix => [6, 1];

    /// <summary>The HMAC prefix for a hosted account's ADV identity (PROTOCOL.md §4.2).</summary>
    internal static ReadOnlySpan<byte> AdvHostedHmacPrefix => [6, 5];

    /// <summary>Length of a pairing code (PROTOCOL.md §4.4).</summary>
    public const int PairingCodeLength = 8;

    /// <summary>The pairing-code alphabet: Crockford-like base32 without 0, I, O, U (PROTOCOL.md §4.4).</summary>
    public const string PairingCodeAlphabet = "123456789ABCDEFGHJKLMNPQRSTVWXYZ";

    /// <summary>HKDF info of the pairing-code key bundle key (PROTOCOL.md §4.4).</summary>
    internal const string KeyBundleInfo = "link_code_pairing_key_bundle_encryption_key";

    /// <summary>HKDF info of the ADV secret derived in pairing-code linking (PROTOCOL.md §4.4).</summary>
    internal const string AdvSecretInfo = "adv_secret";
}

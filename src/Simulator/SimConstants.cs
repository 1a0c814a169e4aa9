namespace WaOrleans.Simulator;

/// <summary>Protocol values the simulated server uses, each with the reason for its value.</summary>
internal static class SimConstants
{
    /// <summary>How many QR refs one <c>pair-device</c> carries: the real server sends 6 (PROTOCOL.md §4.1).</summary>
    public const int QrRefCount = 6;

    /// <summary>How long the first QR ref lives: 60 s in both reference clients (PROTOCOL.md §4.1).</summary>
    public static readonly TimeSpan FirstQrRefLifetime = TimeSpan.FromSeconds(60);

    /// <summary>How long each later QR ref lives: 20 s in both reference clients (PROTOCOL.md §4.1).</summary>
    public static readonly TimeSpan QrRefLifetime = TimeSpan.FromSeconds(20);

    /// <summary>How long the server waits for an answer to its own iq; Baileys' query timeout is 60 s, but a phone must not hang on a dead companion that long.</summary>
    public static readonly TimeSpan ServerIqTimeout = TimeSpan.FromSeconds(20);

    /// <summary>The QR string prefix of rc14 and whatsmeow HEAD (PROTOCOL.md §4.1).</summary>
    public const string QrPrefix = "https://wa.me/settings/linked_devices#";

    /// <summary>The ADV account-signature prefix <c>06 00</c> (PROTOCOL.md §4.2).</summary>
    public static ReadOnlySpan<byte> AdvAccountSignaturePrefix => [6, 0];

    /// <summary>The ADV device-signature prefix <c>06 01</c> (PROTOCOL.md §4.2).</summary>
    public static ReadOnlySpan<byte> AdvDeviceSignaturePrefix => [6, 1];

    /// <summary>Length of a pairing code in characters (PROTOCOL.md §4.4).</summary>
    public const int PairingCodeLength = 8;

    /// <summary>HKDF info of the pairing-code key bundle key (PROTOCOL.md §4.4).</summary>
    public const string KeyBundleInfo = "link_code_pairing_key_bundle_encryption_key";

    /// <summary>HKDF info of the ADV secret derived in pairing-code linking (PROTOCOL.md §4.4).</summary>
    public const string AdvSecretInfo = "adv_secret";

    /// <summary>The platform the simulated phones report in <c>pair-success</c>; Baileys stores it verbatim.</summary>
    public const string PhonePlatform = "android";

    /// <summary>The first LID user number; simulated LIDs are counted up from here so they never look like phone numbers.</summary>
    public const long FirstLidUser = 100_000_000_000_001;

    /// <summary>The first group id; modern group ids are 18-digit numbers starting 120363, and simulated ones count up from there.</summary>
    public const long FirstGroupUser = 120_363_000_000_000_001;

    /// <summary>Stream error after pairing: the client must reconnect and log in (PROTOCOL.md §4.3, §9.6).</summary>
    public const int StreamRestartRequired = 515;

    /// <summary>Stream error for a removed device: the client is logged out (PROTOCOL.md §9.6).</summary>
    public const int StreamDeviceRemoved = 401;

    /// <summary>Stream error for a connection replaced by a newer one of the same device (PROTOCOL.md §9.6).</summary>
    public const int StreamReplaced = 440;

    /// <summary>The nack code WhatsApp uses for a stanza it rejects (smax-invalid), injected by the <c>nack</c> fault (PROTOCOL.md §10.2 step 6).</summary>
    public const string SmaxInvalid = "479";

    /// <summary>How long the server lets a client read its last stanza (a stream error, a failure) before closing the socket.</summary>
    public static readonly TimeSpan FinalStanzaGrace = TimeSpan.FromMilliseconds(250);

    /// <summary>Minimum prekey stock before the server tells a device to upload more: Baileys and whatsmeow both use 5 (PROTOCOL.md §5.4).</summary>
    public const int MinPreKeys = 5;

    /// <summary>A phone stops asking for a message again after this many retry receipts: Baileys' and whatsmeow's limit of 5 (PROTOCOL.md §7.5).</summary>
    public const int MaxRetryCount = 5;

    /// <summary>How many (device, message) retry counts the simulated phones remember; cleared past it, which only allows a few extra retries.</summary>
    public const int RememberedRetries = 10_000;

    /// <summary>Size of a privacy token a simulated phone issues; WhatsApp's are opaque, a few dozen bytes.</summary>
    public const int PrivacyTokenSize = 24;

    /// <summary>From this retry receipt on, a phone answers over a new session even without keys in it (whatsmeow's sender does the same).</summary>
    public const int RetryCountForNewSession = 2;
}

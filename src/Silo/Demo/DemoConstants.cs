namespace WaOrleans.Silo.Demo;

/// <summary>The demo mode's fixed values.</summary>
internal static class DemoConstants
{
    /// <summary>The folder, under the configured data directory, of the demo's database: demo sessions never share a real install's.</summary>
    public const string DataSubdirectory = "demo";

    /// <summary>The folder, under the demo's, of WaSim's saved state: simulated phones and their linked devices survive a restart, as the sessions' credentials do.</summary>
    public const string SimulatorSubdirectory = "wasim";

    /// <summary>The number of the simulated contact that messages demo sessions; 555-01xx numbers are reserved for fiction in the North American plan.</summary>
    public const string ContactPhone = "15550100001";

    /// <summary>The push name of the simulated contact.</summary>
    public const string ContactName = "Demo Contact";

    /// <summary>The push name of the phones that scan a session's QR.</summary>
    public const string PhoneName = "Demo Phone";

    /// <summary>The prefix of the phones that scan QR codes; a random 5-digit tail follows (another fictional 555-01xx range).</summary>
    public const string PhonePrefix = "1555011";

    /// <summary>How many random phone numbers to try before giving up on a free one (each try is one loopback call).</summary>
    public const int PhoneAttempts = 20;

    /// <summary>How long one call to WaSim may take: a scan waits for the session to answer pair-success (WaSim allows it 30 s).</summary>
    public static readonly TimeSpan SimulatorTimeout = TimeSpan.FromSeconds(45);

    /// <summary>The width of the startup banner's rules.</summary>
    public const int BannerWidth = 78;

    /// <summary>The longest phone number E.164 allows (a sender named in a demo message).</summary>
    public const int MaxPhoneDigits = 15;

    /// <summary>The longest text a demo message may carry, to keep the control call small.</summary>
    public const int MaxTextLength = 4096;

    /// <summary>The longest pairing code the demo accepts: 8 characters plus a dash and spaces a user may type.</summary>
    public const int MaxPairingCodeLength = 16;
}

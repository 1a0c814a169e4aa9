namespace WaOrleans.Silo;

/// <summary>The gateway's settings, bound from the <c>WaOrleans</c> configuration section (environment: <c>WAORLEANS__…</c>).</summary>
public sealed class GatewayOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string Section = "WaOrleans";

    /// <summary>Gets the storage settings.</summary>
    public StorageOptions Storage { get; init; } = new();

    /// <summary>Gets the WhatsApp connection settings.</summary>
    public WhatsAppOptions WhatsApp { get; init; } = new();
}

/// <summary>Where sessions are stored.</summary>
public sealed class StorageOptions
{
    /// <summary>Gets the directory of the embedded SQLite database (default <c>data</c>, relative to the working directory).</summary>
    public string DataDirectory { get; init; } = "data";
}

/// <summary>Where sessions connect to.</summary>
public sealed class WhatsAppOptions
{
    /// <summary>Gets the WebSocket endpoint, or null for WhatsApp's own (a WaSim URL for tests and demos).</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>Gets the server's root public key in hex, or null for WhatsApp's (WaSim prints its own at startup).</summary>
    public string? RootKey { get; init; }
}

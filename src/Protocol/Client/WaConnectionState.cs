namespace WaOrleans.Protocol.Client;

/// <summary>
/// Where a <see cref="WaClient"/> is in its life. Every transition raises a
/// <see cref="Events.StateChangedEvent"/>. <see cref="LoggedOut"/>, <see cref="Replaced"/> and
/// <see cref="Failed"/> are terminal until the owner starts the client again.
/// </summary>
public enum WaConnectionState
{
    /// <summary>Not started, or stopped by its owner or after QR codes ran out.</summary>
    Disconnected,

    /// <summary>Opening the WebSocket and running the Noise handshake.</summary>
    Connecting,

    /// <summary>Unpaired and connected: showing QR codes until the phone scans one.</summary>
    AwaitingQr,

    /// <summary>Unpaired and connected: a pairing code was issued and waits to be typed on the phone.</summary>
    AwaitingPairingCode,

    /// <summary>Paired, the server accepted the login; stocking prekeys and going active.</summary>
    LoggingIn,

    /// <summary>Logged in and ready.</summary>
    Connected,

    /// <summary>The connection ended and the client is waiting to reconnect (backoff, or the 515 restart).</summary>
    Reconnecting,

    /// <summary>WhatsApp logged the device out; the credentials were wiped.</summary>
    LoggedOut,

    /// <summary>Another connection replaced this one (440); the client stopped without fighting.</summary>
    Replaced,

    /// <summary>The server refused the client for a reason retrying cannot fix (outdated, banned).</summary>
    Failed,
}

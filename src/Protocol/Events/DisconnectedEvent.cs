namespace WaOrleans.Protocol.Events;

/// <summary>
/// Fires when a connection ends. When <see cref="WillReconnect"/> is true the client reconnects by
/// itself after <see cref="RetryIn"/> (a drop, a 5xx, a keepalive timeout, the 515 restart); the
/// consumer reports the session as disconnected and waits. When false, the client stopped (the
/// owner stopped it, or QR codes ran out): start it again to continue.
/// </summary>
/// <param name="Reason">Why, such as <c>stream error 503</c> or <c>keepalive timeout</c>.</param>
/// <param name="WillReconnect">Whether the client reconnects by itself.</param>
/// <param name="RetryIn">The delay before the next attempt, when it reconnects.</param>
public sealed record DisconnectedEvent(string Reason, bool WillReconnect, TimeSpan? RetryIn) : WaEvent;

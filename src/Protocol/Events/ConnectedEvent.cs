namespace WaOrleans.Protocol.Events;

/// <summary>
/// Fires when a paired device is logged in and ready: prekeys are stocked and the connection is
/// active. Sending is possible from here on; consumers report the session as connected.
/// </summary>
public sealed record ConnectedEvent : WaEvent;

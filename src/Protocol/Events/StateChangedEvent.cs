using WaOrleans.Protocol.Client;

namespace WaOrleans.Protocol.Events;

/// <summary>
/// Fires on every connection-state transition, before the event that explains it (a QR, a
/// disconnect reason). Consumers mirror it as the session's status; no action is required.
/// </summary>
/// <param name="Previous">The state left.</param>
/// <param name="Current">The state entered.</param>
public sealed record StateChangedEvent(WaConnectionState Previous, WaConnectionState Current) : WaEvent;

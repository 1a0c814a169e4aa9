namespace WaOrleans.Protocol.Events;

/// <summary>
/// Fires when another connection logged in with the same credentials and the server closed this
/// one (440, <c>conflict type="replaced"</c>). The client stops and does not fight for the slot;
/// the consumer should find out which process owns the session now before starting it again.
/// </summary>
public sealed record StreamReplacedEvent : WaEvent, IPermanentDisconnect;

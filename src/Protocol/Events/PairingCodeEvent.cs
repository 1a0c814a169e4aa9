namespace WaOrleans.Protocol.Events;

/// <summary>
/// Fires when a pairing code was requested and the server accepted it. Show <see cref="Code"/>;
/// the user types it on the phone (Linked devices → Link with phone number). Pairing then ends with
/// <see cref="PairSuccessEvent"/>.
/// </summary>
/// <param name="Code">The code formatted for display, <c>XXXX-XXXX</c>.</param>
public sealed record PairingCodeEvent(string Code) : WaEvent;

namespace WaOrleans.Protocol.Events;

/// <summary>
/// Fires when a pair-success from the server failed verification (HMAC or account signature) or
/// could not be read; the client refused it with an iq error and stays unpaired. Nothing to do:
/// show the next QR code (or request a new pairing code) and let the user try again.
/// </summary>
/// <param name="Reason">Which check failed, such as <c>hmac-mismatch</c> or <c>signature-mismatch</c>.</param>
public sealed record PairErrorEvent(string Reason) : WaEvent;

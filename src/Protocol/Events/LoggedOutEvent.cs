namespace WaOrleans.Protocol.Events;

/// <summary>
/// Fires when WhatsApp logged this device out (the phone unlinked it, or the server answered
/// 401/403/419/406). The credentials and Signal state were wiped; the client does not reconnect.
/// The consumer reports the session as logged out; starting the client again pairs a new device.
/// </summary>
/// <param name="Reason">The code and kind, such as <c>401 device_removed</c>.</param>
/// <param name="OnConnect">True when the server refused the login (<c>failure</c>), false when it ended a live connection (<c>stream:error</c>).</param>
public sealed record LoggedOutEvent(string Reason, bool OnConnect) : WaEvent, IPermanentDisconnect;

using WaOrleans.Protocol.Binary;

namespace WaOrleans.Protocol.Events;

/// <summary>
/// Fires when the phone linked this device and the pairing was verified and saved. The server then
/// asks for a restart (515) and the client logs in by itself; wait for <see cref="ConnectedEvent"/>.
/// </summary>
/// <param name="Id">Our device JID (<c>PN:device@s.whatsapp.net</c>).</param>
/// <param name="Lid">Our device LID, when the server sent one.</param>
/// <param name="Platform">The phone's platform (<c>android</c>, <c>iphone</c>, <c>smba</c>…).</param>
/// <param name="BusinessName">The business name of a business account, or null.</param>
public sealed record PairSuccessEvent(Jid Id, Jid? Lid, string? Platform, string? BusinessName) : WaEvent;

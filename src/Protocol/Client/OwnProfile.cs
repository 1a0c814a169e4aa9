using WaOrleans.Protocol.Binary;

namespace WaOrleans.Protocol.Client;

/// <summary>This linked device's own account, as pairing and login taught it.</summary>
/// <param name="Jid">Our phone-number JID, with this device's number.</param>
/// <param name="Lid">Our LID, when the server told it.</param>
/// <param name="PushName">Our push name (the display name others see), when known.</param>
/// <param name="Platform">The primary phone's platform as pair-success reported it (e.g. <c>android</c>, <c>smbi</c>), when known.</param>
public sealed record OwnProfile(Jid Jid, Jid? Lid, string? PushName, string? Platform);

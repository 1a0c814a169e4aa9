using WaOrleans.Protocol.Binary;

namespace WaOrleans.Protocol.Client;

/// <summary>A group as the server describes it (<c>w:g2</c>, PROTOCOL.md §9.3).</summary>
/// <param name="Jid">The group JID.</param>
/// <param name="Subject">The subject.</param>
/// <param name="Creator">The creator, when named.</param>
/// <param name="Created">When it was created.</param>
/// <param name="AddressingMode"><c>lid</c> when members are addressed by LID, <c>pn</c> otherwise.</param>
/// <param name="Participants">The members.</param>
public sealed record GroupMetadata(Jid Jid, string Subject, Jid? Creator, DateTimeOffset Created, string AddressingMode, IReadOnlyList<GroupParticipant> Participants);

/// <summary>A group member.</summary>
/// <param name="Jid">The member as the group addresses it (LID or PN).</param>
/// <param name="PhoneNumber">The member's phone-number JID when the server told it.</param>
/// <param name="IsAdmin">Whether the member is an admin.</param>
/// <param name="IsSuperAdmin">Whether the member is the super admin (creator).</param>
public sealed record GroupParticipant(Jid Jid, Jid? PhoneNumber, bool IsAdmin, bool IsSuperAdmin);

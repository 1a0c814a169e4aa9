using WaOrleans.Protocol.Binary;

namespace WaOrleans.Protocol.Events;

/// <summary>Whether a user is reachable right now (PROTOCOL.md §9.2).</summary>
public enum Availability
{
    /// <summary>Online.</summary>
    Available,

    /// <summary>Offline (or hiding it).</summary>
    Unavailable,
}

/// <summary>What a user is doing in a chat (PROTOCOL.md §9.2).</summary>
public enum ChatState
{
    /// <summary>Typing.</summary>
    Composing,

    /// <summary>Recording a voice note (<c>composing media="audio"</c>).</summary>
    Recording,

    /// <summary>Stopped typing or recording.</summary>
    Paused,
}

/// <summary>Fires when a subscribed user's presence arrives (after <c>SubscribePresenceAsync</c>, and on every change).</summary>
/// <param name="From">The user, as the server named it (PN or LID).</param>
/// <param name="Availability">Whether the user is online.</param>
/// <param name="LastSeen">When the user was last online, when offline and the user shares it.</param>
public sealed record PresenceEvent(Jid From, Availability Availability, DateTimeOffset? LastSeen) : WaEvent;

/// <summary>Fires when someone starts or stops typing or recording in a chat with us.</summary>
/// <param name="Chat">The chat: the group, or the other user.</param>
/// <param name="Sender">Who is typing (the participant in a group).</param>
/// <param name="State">What they are doing.</param>
public sealed record ChatStateEvent(Jid Chat, Jid Sender, ChatState State) : WaEvent;

/// <summary>Fires for a <c>w:gp2</c> notification: a group we are in changed.</summary>
/// <param name="Group">The group.</param>
/// <param name="Author">Who made the change, when the server names it.</param>
/// <param name="Action">The change as WhatsApp names it: <c>add</c>, <c>remove</c>, <c>promote</c>, <c>demote</c>, <c>subject</c>, <c>description</c>, <c>create</c>…</param>
/// <param name="Participants">The participants the change is about (empty for subject and settings changes).</param>
/// <param name="Subject">The new subject, for a subject change or a create.</param>
public sealed record GroupChangedEvent(Jid Group, Jid? Author, string Action, IReadOnlyList<Jid> Participants, string? Subject) : WaEvent;

/// <summary>Fires when a contact's or a group's profile picture was set or removed.</summary>
/// <param name="Jid">Whose picture changed.</param>
/// <param name="Author">Who changed it, when the server names it.</param>
/// <param name="Removed">Whether the picture was removed rather than set.</param>
public sealed record ProfilePictureChangedEvent(Jid Jid, Jid? Author, bool Removed) : WaEvent;

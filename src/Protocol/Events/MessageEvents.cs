using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Proto;

namespace WaOrleans.Protocol.Events;

/// <summary>
/// Fires for every message decrypted from a chat (including our own, sent from another device of
/// the account). The server is told the message was delivered only after every handler returned:
/// a handler that throws leaves it unacknowledged, and the server delivers it again on the next
/// connection. Persist it before returning.
/// </summary>
/// <param name="Id">The message id (unique per chat and sender).</param>
/// <param name="Chat">The chat: the group, or the other user of a 1:1 chat.</param>
/// <param name="Sender">The sending device as the stanza named it (PN or LID).</param>
/// <param name="SenderPhoneNumber">The sender's phone-number JID (no device) when known.</param>
/// <param name="SenderLid">The sender's LID (no device) when known.</param>
/// <param name="PushName">The sender's push name, when the server sent one.</param>
/// <param name="IsGroup">Whether the chat is a group.</param>
/// <param name="IsFromMe">Whether another device of our own account sent it.</param>
/// <param name="IsOffline">Whether it was queued while this device was offline.</param>
/// <param name="Timestamp">The server timestamp.</param>
/// <param name="Message">The content, unwrapped from device-sent, ephemeral and view-once wrappers.</param>
public sealed record MessageReceivedEvent(
    string Id,
    Jid Chat,
    Jid Sender,
    Jid? SenderPhoneNumber,
    Jid? SenderLid,
    string? PushName,
    bool IsGroup,
    bool IsFromMe,
    bool IsOffline,
    DateTimeOffset Timestamp,
    Message Message) : WaEvent
{
    /// <summary>
    /// Gets the id of our request to our primary phone when the message could not be decrypted
    /// and the phone resent its copy (placeholder resend); null for a message decrypted as sent.
    /// </summary>
    public string? RecoveredByRequestId { get; init; }

    /// <summary>
    /// Gets whether the client's <see cref="Client.ReceivedMessageCommit"/> already stored this
    /// message, with the Signal state that decrypted it, before raising it.
    /// </summary>
    public bool IsRecorded { get; init; }

    /// <summary>Describes the event without its content.</summary>
    public override string ToString() => $"MessageReceivedEvent({Id} in {Chat} from {Sender})";
}

/// <summary>
/// Fires when a message could not be decrypted. A retry receipt was sent, so the sender's device
/// normally sends it again and a <see cref="MessageReceivedEvent"/> follows.
/// </summary>
/// <param name="Id">The message id.</param>
/// <param name="Chat">The chat.</param>
/// <param name="Sender">The sending device.</param>
/// <param name="Reason">Why decryption failed (no key material).</param>
public sealed record UndecryptableMessageEvent(string Id, Jid Chat, Jid Sender, string Reason) : WaEvent;

/// <summary>
/// Fires when a receipt for messages we sent arrives: delivered (<c>Type</c> null), <c>read</c>,
/// <c>played</c>, <c>inactive</c>, <c>sender</c>, <c>peer_msg</c>… Retry receipts are answered by the
/// client itself and also reported here.
/// </summary>
/// <param name="Chat">The chat the messages belong to.</param>
/// <param name="Sender">The device that sent the receipt.</param>
/// <param name="MessageIds">The message ids the receipt covers.</param>
/// <param name="Type">The receipt type; null for a plain delivery receipt.</param>
/// <param name="Timestamp">When the receipt was issued.</param>
public sealed record ReceiptEvent(Jid Chat, Jid Sender, IReadOnlyList<string> MessageIds, string? Type, DateTimeOffset Timestamp) : WaEvent;

/// <summary>Fires when a vote on a poll we know (sent or received by this device) is decrypted; follows its <see cref="MessageReceivedEvent"/>.</summary>
/// <param name="Chat">The chat the poll is in.</param>
/// <param name="PollMessageId">The id of the poll's creation message.</param>
/// <param name="Voter">Who voted (no device).</param>
/// <param name="SelectedOptions">The names of the options now selected; empty when the vote was withdrawn.</param>
public sealed record PollVoteEvent(Jid Chat, string PollMessageId, Jid Voter, IReadOnlyList<string> SelectedOptions) : WaEvent;

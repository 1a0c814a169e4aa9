using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Events;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// Message sources and receipts (PROTOCOL.md §6.5, §7.1, §7.5): who sent a stanza, with the LID ↔ PN
/// mapping its attributes teach; incoming receipts as events; retry receipts sent for what we could
/// not decrypt and answered for what we sent.
/// </summary>
public sealed partial class WaClient
{
    /// <summary>Reads who sent a message and in which chat (PROTOCOL.md §7.1); null if the stanza names no sender.</summary>
    private async Task<MessageSource?> ParseSourceAsync(Node node, CancellationToken cancellationToken)
    {
        var reader = new AttrReader(node);
        if (reader.GetOptionalJid("from") is not { } from || reader.GetOptionalString("id") is not { } id)
        {
            return null;
        }

        var credentials = Credentials;
        Jid chat;
        Jid author;
        if (from.IsGroup || from.IsBroadcast)
        {
            if (reader.GetOptionalJid("participant") is not { } participant)
            {
                return null;
            }

            chat = from;
            author = participant;
        }
        else
        {
            author = from;
            chat = from.WithoutDevice();
        }

        var isFromMe = credentials is not null && (author.User == credentials.Me?.User || author.User == credentials.MeLid?.User);
        if (isFromMe && !from.IsGroup)
        {
            chat = reader.GetOptionalJid("recipient") ?? chat;
        }

        Jid? phone = author.IsPhoneNumber ? author.WithoutDevice()
            : (reader.GetOptionalJid("sender_pn") ?? reader.GetOptionalJid("participant_pn"))?.WithoutDevice();
        Jid? lid = author.IsLid ? author.WithoutDevice()
            : (reader.GetOptionalJid("sender_lid") ?? reader.GetOptionalJid("participant_lid"))?.WithoutDevice();
        if (phone is { } p && lid is { } l)
        {
            await _store.Lids.StoreMappingAsync(l, p, cancellationToken).ConfigureAwait(false);
        }
        else if (lid is { } knownLid)
        {
            phone = await _store.Lids.GetPhoneNumberAsync(knownLid, cancellationToken).ConfigureAwait(false);
        }
        else if (phone is { } knownPhone)
        {
            lid = await _store.Lids.GetLidAsync(knownPhone, cancellationToken).ConfigureAwait(false);
        }

        if (!isFromMe && !chat.IsGroup && reader.GetOptionalJid("peer_recipient_pn") is { } peerPn && reader.GetOptionalJid("peer_recipient_lid") is { } peerLid)
        {
            await _store.Lids.StoreMappingAsync(peerLid.WithoutDevice(), peerPn.WithoutDevice(), cancellationToken).ConfigureAwait(false);
        }

        var timestamp = DateTimeOffset.FromUnixTimeSeconds(reader.GetOptionalInt64("t") ?? _time.GetUtcNow().ToUnixTimeSeconds());
        return new MessageSource(id, chat, author, author, phone, lid, reader.GetOptionalString("notify"), isFromMe, timestamp);
    }

    /// <summary>Reports a receipt, answers a retry request, and acks (PROTOCOL.md §6.5).</summary>
    private async Task HandleReceiptAsync(ClientConnection connection, Node node)
    {
        var reader = new AttrReader(node);
        var type = reader.GetOptionalString("type");
        if (type == "retry" && reader.GetOptionalJid("from") is { } from)
        {
            var device = reader.GetOptionalJid("participant") is { } participant && from.IsGroup ? participant : from;
            await AnswerRetryAsync(connection, node, device).ConfigureAwait(false);
        }

        await SendAckAsync(connection, node).ConfigureAwait(false);
        if (reader.GetOptionalJid("from") is { } sender)
        {
            var author = reader.GetOptionalJid("participant") ?? sender;
            var ids = new List<string>();
            if (reader.GetOptionalString("id") is { } first)
            {
                ids.Add(first);
            }

            ids.AddRange(node.GetChild("list")?.GetChildren("item").Select(i => i.GetAttr("id")).OfType<string>() ?? []);
            var timestamp = DateTimeOffset.FromUnixTimeSeconds(reader.GetOptionalInt64("t") ?? _time.GetUtcNow().ToUnixTimeSeconds());
            await RaiseAsync(new ReceiptEvent(sender.WithoutDevice(), author, ids, type, timestamp)).ConfigureAwait(false);
        }
    }

    /// <summary>Who sent a message and where.</summary>
    private sealed record MessageSource(string Id, Jid Chat, Jid Sender, Jid Author, Jid? PhoneNumber, Jid? Lid, string? PushName, bool IsFromMe, DateTimeOffset Timestamp);
}

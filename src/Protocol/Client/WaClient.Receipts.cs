using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using Google.Protobuf;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Proto;
using WaOrleans.Protocol.Signal;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// Message sources and receipts (PROTOCOL.md §6.5, §7.1, §7.5): who sent a stanza, with the LID ↔ PN
/// mapping its attributes teach; incoming receipts as events; retry receipts sent for what we could
/// not decrypt and answered for what we sent.
/// </summary>
public sealed partial class WaClient
{
    /// <summary>Retries stop after this many attempts per message: Baileys' limit of 5 (PROTOCOL.md §7.5).</summary>
    private const int MaxRetryCount = 5;

    private readonly ConcurrentDictionary<string, int> _retryCounts = new(StringComparer.Ordinal);

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

    /// <summary>Asks the sender to encrypt a message again (PROTOCOL.md §7.5), at most <see cref="MaxRetryCount"/> times.</summary>
    private Task SendRetryReceiptAsync(ClientConnection connection, Node node, MessageSource source)
    {
        if (_retryCounts.Count >= UnackedMessageCapacity)
        {
            // Counts of messages that never came back; dropping them only allows a few extra retries.
            _retryCounts.Clear();
        }

        var count = _retryCounts.AddOrUpdate(source.Id, 1, (_, c) => c + 1);
        if (count > MaxRetryCount)
        {
            return Task.CompletedTask;
        }

        var registration = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(registration, Credentials?.RegistrationId.Value ?? 0);
        var attrs = Attrs(("id", source.Id), ("type", "retry"), ("to", node.Attrs["from"]));
        foreach (var key in (ReadOnlySpan<string>)["participant", "recipient"])
        {
            if (node.Attrs.TryGetValue(key, out var value))
            {
                attrs[key] = value;
            }
        }

        var retry = new Node("retry", Attrs(("count", Number(count)), ("id", source.Id),
            ("t", Number(source.Timestamp.ToUnixTimeSeconds())), ("v", "1")));
        return SendNodeAsync(connection, new Node("receipt", attrs, NodeContent.FromChildren(retry, new Node("registration", content: registration))));
    }

    /// <summary>
    /// Re-encrypts a recent send for the device that could not decrypt it, over a fresh session from
    /// a new bundle; for a group, forgets that the device has our sender key so it gets it again.
    /// </summary>
    private async Task AnswerRetryAsync(ClientConnection connection, Node receipt, Jid device)
    {
        var id = receipt.GetAttr("id") ?? "";
        if (!_recentSends.TryGetValue(id, out var sent) || Credentials is not { Me: { } me } credentials)
        {
            return;
        }

        var count = int.TryParse(receipt.GetChild("retry")?.GetAttr("count"), NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? c : 1;
        if (sent.Chat.IsGroup)
        {
            if (_senderKeyMemory.TryGetValue(sent.Chat, out var memory))
            {
                memory.TryRemove(device, out _);
            }
        }

        var isOwn = device.User == me.User || device.User == credentials.MeLid?.User;
        var plaintext = isOwn
            ? new Message { DeviceSentMessage = new Message.Types.DeviceSentMessage { DestinationJid = sent.Chat.ToString(), Message = sent.Message } }.ToByteArray()
            : sent.Message.ToByteArray();
        Node enc;
        await _signalGate.WaitAsync(connection.Token).ConfigureAwait(false);
        try
        {
            await EnsureSessionsAsync([device], force: true, connection.Token).ConfigureAwait(false);
            enc = await EncryptForDeviceAsync(device, plaintext, connection.Token, count).ConfigureAwait(false);
        }
        finally
        {
            _signalGate.Release();
        }

        var extra = isOwn ? new[] { ("recipient", (AttrValue)sent.Chat), ("device_fanout", (AttrValue)"false") } : [("device_fanout", (AttrValue)"false")];
        var stanza = MessageStanza(device, id, sent.Message, [enc], credentials, extra);
        await SendNodeAsync(connection, stanza).ConfigureAwait(false);
        LogMessages.RetryAnswered(_logger, id, device.ToString(), count);
    }

    /// <summary>Who sent a message and where.</summary>
    private sealed record MessageSource(string Id, Jid Chat, Jid Sender, Jid Author, Jid? PhoneNumber, Jid? Lid, string? PushName, bool IsFromMe, DateTimeOffset Timestamp);
}

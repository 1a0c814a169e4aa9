using System.Data.Common;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using WaOrleans.Grains.Events;
using WaOrleans.Grains.Messages;
using WaOrleans.Grains.Storage;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Signal.Stores;
using WaOrleans.Protocol.Store;

namespace WaOrleans.Grains.Sessions;

/// <summary>
/// Records what arrives on a session's connection, on the client's own thread and before the
/// client acknowledges it (DESIGN.md durability rule 1): an inbound message's log row and its
/// <c>message.received</c> event commit in one transaction, and the handler returns only then, so
/// a crash before the commit leaves the message unacknowledged and WhatsApp delivers it again.
/// Receipts move outbound rows forward the same way.
/// </summary>
/// <remarks>
/// It holds only what is fixed for the activation (session id, tenant, storage), never grain
/// state: it runs outside the grain's scheduler.
/// </remarks>
internal sealed class InboundRecorder(DeviceStorage storage, EventOutbox outbox, StatusWriter statuses, WaClient client, ILidStore lids, string sessionId, string tenantId,
    TimeProvider time, ILogger logger)
{
    /// <summary>Records the event when it is one this class owns; returns false for the others, which the grain applies.</summary>
    public async ValueTask<bool> TryRecordAsync(WaEvent e, CancellationToken cancellationToken)
    {
        switch (e)
        {
            case MessageReceivedEvent { IsRecorded: true }:
                // Stored with its decrypt (CommitReceivedAsync).
                return true;
            case MessageReceivedEvent message:
                if (await PrepareAsync(message, cancellationToken).ConfigureAwait(false) is { } record)
                {
                    await CommitAsync(record.Logged, record.Events, cancellationToken).ConfigureAwait(false);
                }

                return true;
            case PollVoteEvent vote:
                await RecordVoteAsync(vote, cancellationToken).ConfigureAwait(false);
                return true;
            case ReceiptEvent receipt:
                await RecordReceiptAsync(receipt, cancellationToken).ConfigureAwait(false);
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Stores received messages, their rows and events, in the transaction that commits the Signal
    /// state which decrypted them (the client's <see cref="WaClient.CommitReceivedAsync"/>): one
    /// commit per message, and no pending copy to write, read and remove.
    /// </summary>
    public async ValueTask<bool> CommitReceivedAsync(ISignalProtocolStore signal, SignalChangeSet changes, IReadOnlyList<MessageReceivedEvent> messages,
        CancellationToken cancellationToken)
    {
        // The session's device store is SQL (SqlDeviceStore), so its Signal store shares the database.
        if (signal is not SqlSignalProtocolStore sql)
        {
            return false;
        }

        List<(LoggedMessage Logged, IReadOnlyList<GatewayEvent> Events)> records = [];
        foreach (var message in messages)
        {
            if (await PrepareAsync(message, cancellationToken).ConfigureAwait(false) is { } record)
            {
                records.Add(record);
            }
        }

        var inserted = new bool[records.Count];
        await sql.CommitAsync(changes, async (connection, transaction, token) =>
        {
            for (var i = 0; i < records.Count; i++)
            {
                inserted[i] = await InsertAsync(connection, transaction, records[i].Logged, records[i].Events, token).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < records.Count; i++)
        {
            Recorded(records[i].Logged, inserted[i]);
        }

        return true;
    }

    /// <summary>The log row and events of a received message; null for those the log leaves out.</summary>
    private async ValueTask<(LoggedMessage Logged, IReadOnlyList<GatewayEvent> Events)?> PrepareAsync(MessageReceivedEvent e, CancellationToken cancellationToken)
    {
        var description = MessageDescription.Of(e.Message);
        if (description.IsSignalling || e.Chat.IsStatusBroadcast)
        {
            // Key handovers, protocol messages and encrypted poll votes (their decrypted vote
            // follows as a PollVoteEvent); status stories are not chats.
            return null;
        }

        var record = new MessageRecord
        {
            SessionId = sessionId,
            MessageId = e.Id,
            Direction = MessageWords.In,
            Chat = e.Chat.WithoutDevice().ToString(),
            Status = MessageWords.Received,
            Type = description.Type,
            Text = description.Text,
            SenderJid = e.Sender.WithoutDevice().ToString(),
            SenderPhone = e.SenderPhoneNumber?.User ?? (e.Sender.IsPhoneNumber ? e.Sender.User : null),
            SenderLid = e.SenderLid?.WithoutDevice().ToString() ?? (e.Sender.IsLid ? e.Sender.WithoutDevice().ToString() : null),
            PushName = e.PushName,
            IsGroup = e.IsGroup,
            QuotedId = description.QuotedId,
            MimeType = description.MimeType,
            MediaSize = description.MediaSize,
            FileName = description.FileName,
            Timestamp = e.Timestamp,
            UpdatedAt = time.GetUtcNow(),
            HasMedia = description.HasMedia,
        };
        var logged = new LoggedMessage(record, tenantId, e.IsFromMe, e.Message.ToByteArray(), 0);
        var now = time.GetUtcNow();
        // The sender of a one-to-one chat is its other side: its number is the chat's.
        var chatNumber = !e.IsFromMe && e.Sender.IsLid && e.Sender.User == e.Chat.User && e.SenderPhoneNumber is { } phone
            ? phone.WithoutDevice().ToString()
            : await ChatNumberAsync(e.Chat, cancellationToken).ConfigureAwait(false);
        List<GatewayEvent> events = [GatewayEvents.Received(logged, chatNumber, GatewayEventTypes.MessageReceived, now)];
        if (description.Type == "reaction")
        {
            events.Add(GatewayEvents.Received(logged, chatNumber, GatewayEventTypes.MessageReaction, now));
        }

        return (logged, events);
    }

    private async Task RecordVoteAsync(PollVoteEvent e, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var voter = e.Voter.WithoutDevice().ToString();
        // A vote has no id of its own here: name it by what it says, so the same vote delivered
        // again is the same row and the same event.
        var id = "vote-" + GatewayEvents.StableId(sessionId, e.Chat.ToString(), e.PollMessageId, voter, string.Join('\n', e.SelectedOptions))[4..];
        var record = new MessageRecord
        {
            SessionId = sessionId,
            MessageId = id,
            Direction = MessageWords.In,
            Chat = e.Chat.WithoutDevice().ToString(),
            Status = MessageWords.Received,
            Type = "poll_vote",
            Text = string.Join('\n', e.SelectedOptions),
            SenderJid = voter,
            SenderPhone = e.Voter.IsPhoneNumber ? e.Voter.User : null,
            SenderLid = e.Voter.IsLid ? voter : null,
            IsGroup = e.Chat.IsGroup,
            QuotedId = e.PollMessageId,
            Timestamp = now,
            UpdatedAt = now,
        };
        var fromMe = client.Credentials is { } credentials && (credentials.Me?.User == e.Voter.User || credentials.MeLid?.User == e.Voter.User);
        var logged = new LoggedMessage(record, tenantId, fromMe, null, 0);
        var chatNumber = await ChatNumberAsync(e.Chat, cancellationToken).ConfigureAwait(false);
        await CommitAsync(logged, [GatewayEvents.PollVote(logged, chatNumber, e.SelectedOptions, now)], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The number of a one-to-one chat WhatsApp names by its LID, when the session knows it: events
    /// name the chat as the message log shows it (the stored LID beside it), so a receiver sees one
    /// conversation whichever way WhatsApp addressed a message. Null for other chats.
    /// </summary>
    private async ValueTask<string?> ChatNumberAsync(Jid chat, CancellationToken cancellationToken) =>
        chat.IsLid && await lids.GetPhoneNumberAsync(chat, cancellationToken).ConfigureAwait(false) is { } number ? number.WithoutDevice().ToString() : null;

    private async Task CommitAsync(LoggedMessage logged, IReadOnlyList<GatewayEvent> events, CancellationToken cancellationToken)
    {
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await storage.BeginTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var inserted = await InsertAsync(connection, transaction, logged, events, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                Recorded(logged, inserted);
            }
        }
    }

    /// <summary>Inserts a message's row and, when it is new, its events; false when a redelivery found the row (its events, same ids, were stored with it).</summary>
    private async Task<bool> InsertAsync(DbConnection connection, DbTransaction transaction, LoggedMessage logged,
        IReadOnlyList<GatewayEvent> events, CancellationToken cancellationToken)
    {
        var inserted = await MessageTable.InsertAsync(connection, transaction, logged, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (inserted)
        {
            foreach (var gatewayEvent in events)
            {
                await outbox.PublishAsync(connection, transaction, gatewayEvent, cancellationToken).ConfigureAwait(false);
            }
        }

        return inserted;
    }

    /// <summary>Counts and logs a message whose row committed.</summary>
    private void Recorded(LoggedMessage logged, bool inserted)
    {
        if (inserted)
        {
            GatewayMetrics.MessagesReceived.Add(1, new KeyValuePair<string, object?>("type", logged.Record.Type));
        }

        logger.MessageRecorded(sessionId, logged.Record.MessageId, logged.Record.Type);
    }

    private async Task RecordReceiptAsync(ReceiptEvent e, CancellationToken cancellationToken)
    {
        var status = e.Type switch
        {
            null or "" => MessageWords.Delivered,
            "read" or "played" => MessageWords.Read,
            _ => null,
        };
        // Receipts from our own other devices say nothing about the recipient.
        if (status is null || IsOwn(e.Sender))
        {
            return;
        }

        var type = status == MessageWords.Read ? GatewayEventTypes.MessageRead : GatewayEventTypes.MessageDelivered;
        var now = time.GetUtcNow();
        var chat = e.Chat.WithoutDevice().ToString();
        // Queued together, in order: they share a transaction with each other and with other sessions' changes.
        var changes = e.MessageIds.Select(id => statuses.AdvanceAsync(new StatusChange(tenantId, sessionId, id, chat, status, null, type, now))).ToList();
        await Task.WhenAll(changes).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private bool IsOwn(Jid sender) =>
        client.Credentials is { } credentials && (credentials.Me?.User == sender.User || credentials.MeLid?.User == sender.User);
}

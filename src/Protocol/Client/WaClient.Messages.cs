using Google.Protobuf;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Proto;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.Stores;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// Inbound messages (PROTOCOL.md §7.1–§7.3): who sent it and in which chat, decryption in document
/// order (so an SKDM is taken in before the skmsg it unlocks), unpadding, unwrapping, then the event.
/// The receipt and ack go out only after every handler returned (durability rule 1).
/// </summary>
public sealed partial class WaClient
{
    /// <summary>
    /// How many decrypted but unacknowledged messages are kept. The ratchet has already moved past
    /// them, so a redelivery (after a handler failed) can only be served from here; bounded so a
    /// consumer that always fails cannot grow memory without end.
    /// </summary>
    internal const int UnackedMessageCapacity = 1024;

    /// <summary>Wrappers nest at most a few levels (device-sent around ephemeral around view-once); the bound stops a hostile loop.</summary>
    private const int MaxWrapperDepth = 4;

    private async Task HandleMessageAsync(ClientConnection connection, Node node)
    {
        var source = await ParseSourceAsync(node, connection.Token).ConfigureAwait(false);
        if (source is null)
        {
            await SendAckAsync(connection, node).ConfigureAwait(false);
            return;
        }

        var key = PendingKeyOf(node, source);
        var contents = await LoadPendingAsync(key, connection.Token).ConfigureAwait(false);
        IReadOnlyList<MessageReceivedEvent>? recorded = null;
        if (contents is null)
        {
            if (await DecryptAllAsync(connection, node, source, key).ConfigureAwait(false) is not { } decrypted)
            {
                return;
            }

            (contents, recorded) = decrypted;
        }

        await DeliverAsync(connection, node, source, key, contents, node.GetAttr("offline") is { Length: > 0 }, recorded).ConfigureAwait(false);
    }

    /// <summary>
    /// Raises the events of a decrypted message; once every handler returned, sends the receipt and
    /// the ack and forgets the pending copy. A handler that throws leaves it pending. The events of a
    /// message stored with its decrypt (<paramref name="recorded"/>) are raised as they are: it has no
    /// pending copy, and a redelivery after a failed handler is acked as a duplicate.
    /// </summary>
    private async Task DeliverAsync(ClientConnection connection, Node node, MessageSource source, PendingInboundKey key, IReadOnlyList<Message> contents, bool offline,
        IReadOnlyList<MessageReceivedEvent>? recorded = null)
    {
        foreach (var evt in recorded ?? [])
        {
            if (!await RaiseCheckedAsync(evt).ConfigureAwait(false))
            {
                return;
            }
        }

        foreach (var content in recorded is null ? contents : [])
        {
            var (message, chat) = Unwrap(content, source.Chat);
            var recovered = await RecoveredMessagesAsync(source, message, connection.Token).ConfigureAwait(false);
            if (recovered.Count > 0)
            {
                foreach (var (recoveredEvent, outer) in recovered)
                {
                    // A recovered message is handled as if it had arrived itself: a poll is remembered, a vote decrypted.
                    var recoveredSource = new MessageSource(recoveredEvent.Id, recoveredEvent.Chat, recoveredEvent.Sender, recoveredEvent.Sender,
                        recoveredEvent.SenderPhoneNumber, recoveredEvent.SenderLid, recoveredEvent.PushName, recoveredEvent.IsFromMe, recoveredEvent.Timestamp);
                    if (!await RaiseAndFollowAsync(recoveredEvent, recoveredSource, outer, connection.Token).ConfigureAwait(false))
                    {
                        return;
                    }
                }

                continue;
            }

            var evt = ReceivedEvent(source, chat, message, offline);
            if (!await RaiseAndFollowAsync(evt, source, content, connection.Token).ConfigureAwait(false))
            {
                // Not acked: the server delivers it again on the next connection.
                return;
            }
        }

        _retryCounts?.TryRemove(source.Id, out _);
        CancelPhoneRequest(source.Id);
        await SendMessageReceiptAsync(connection, node, source).ConfigureAwait(false);
        await SendAckAsync(connection, node).ConfigureAwait(false);
        if (recorded is null)
        {
            ForgetPending(key);
        }
    }

    /// <summary>
    /// Remembers a poll (before it is raised, so a handler may vote on it at once), raises the
    /// message, then the decrypted vote if it is one; false when a handler failed (the message must
    /// not be acked).
    /// </summary>
    private async Task<bool> RaiseAndFollowAsync(MessageReceivedEvent evt, MessageSource source, Message outer, CancellationToken cancellationToken)
    {
        await RememberPollAsync(source.Id, source.IsFromMe ? Credentials?.Me ?? source.Author : source.Author, outer, evt.Message, cancellationToken).ConfigureAwait(false);
        if (!await RaiseCheckedAsync(evt).ConfigureAwait(false))
        {
            return false;
        }

        return evt.Message.PollUpdateMessage is not { } update
            || await DecryptPollVoteAsync(evt.Chat, source, update, cancellationToken).ConfigureAwait(false) is not { } vote
            || await RaiseCheckedAsync(vote).ConfigureAwait(false);
    }

    /// <summary>
    /// Decrypts every <c>enc</c> in order; returns the contents (and their events when they were
    /// stored with the decrypt), or null after a failure was answered with a retry receipt.
    /// </summary>
    /// <remarks>
    /// Every decrypt writes into one deferred change set, committed with the pending copy of the
    /// message or the consumer's record of it: the ratchet and the message are stored together or not at all.
    /// </remarks>
    private async Task<(IReadOnlyList<Message> Contents, IReadOnlyList<MessageReceivedEvent>? Recorded)?> DecryptAllAsync(ClientConnection connection, Node node, MessageSource source, PendingInboundKey key)
    {
        var contents = new List<Message>();
        var author = AddressOf(source.Author);
        Exception? failure = null;
        string? failedType = null;
        IReadOnlyList<MessageReceivedEvent>? recorded = null;
        await _signalGate.WaitAsync(connection.Token).ConfigureAwait(false);
        var real = Signal;
        var deferred = new DeferredSignalStore(real);
        var signal = (ISignalProtocolStore)deferred;
        try
        {
            foreach (var enc in node.GetChildren("enc"))
            {
                if (!enc.Content.TryGetBytes(out var ciphertext))
                {
                    continue;
                }

                failedType = enc.GetAttr("type");
                var unpadded = enc.GetAttr("v") == "3";
                var pairwise = await PairwiseAddressAsync(source.Author, source.Lid, enc.GetAttr("type") == "pkmsg", connection.Token).ConfigureAwait(false);
                byte[] plaintext = enc.GetAttr("type") switch
                {
                    "pkmsg" => (await new SessionCipher(signal, pairwise, _options.Random).DecryptPreKeyMessageAsync(ciphertext, connection.Token).ConfigureAwait(false)).Plaintext,
                    "msg" => (await new SessionCipher(signal, pairwise, _options.Random).DecryptMessageAsync(ciphertext, connection.Token).ConfigureAwait(false)).Plaintext,
                    "skmsg" => await new GroupCipher(signal, new SenderKeyName(source.Chat.ToString(), author)).DecryptAsync(ciphertext, connection.Token).ConfigureAwait(false),
                    var other => throw new SignalProtocolException(SignalErrorKind.InvalidMessage, $"unsupported enc type {other}"),
                };
                var message = Message.Parser.ParseFrom(Unpad(plaintext, unpadded).Span);
                if (message.SenderKeyDistributionMessage is { AxolotlSenderKeyDistributionMessage.Length: > 0 } distribution)
                {
                    var group = distribution.HasGroupId && Jid.TryParse(distribution.GroupId, out var g) ? g : source.Chat;
                    await new GroupSessionBuilder(signal, _options.Random).ProcessAsync(new SenderKeyName(group.ToString(), author),
                        WaOrleans.Protocol.Signal.Messages.SenderKeyDistributionMessage.Parse(distribution.AxolotlSenderKeyDistributionMessage.Span), connection.Token).ConfigureAwait(false);
                    message.SenderKeyDistributionMessage = null;
                    message.MessageContextInfo = null;
                }

                if (message.CalculateSize() > 0)
                {
                    contents.Add(message);
                }
            }

            failedType = null;
            recorded = await CommitDecryptedAsync(real, deferred.Changes, node, source, key, contents, connection.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SignalProtocolException or InvalidProtocolBufferException)
        {
            failure = ex;

            // What did decrypt is kept, as before deferral: an SKDM taken in stays usable for the retry.
            await real.CommitAsync(deferred.Changes, connection.Token).ConfigureAwait(false);
        }
        finally
        {
            _signalGate.Release();
        }

        if (failure is SignalProtocolException { Kind: SignalErrorKind.DuplicateMessage })
        {
            // Decrypted before, and acked or stored with its decrypt (the ack was lost): nothing new.
            // The receipt the sender may still wait for, then the ack that stops the redelivery.
            await SendMessageReceiptAsync(connection, node, source).ConfigureAwait(false);
            await SendAckAsync(connection, node).ConfigureAwait(false);
            return null;
        }

        if (failure is not null)
        {
            LogMessages.DecryptFailed(_logger, source.Id, source.Author.ToString(), failure.Message);
            // Without a session (or without the prekey a pkmsg names) nothing the sender has can
            // reach us: it needs our keys at once (whatsmeow's forceIncludeIdentity).
            var noSession = failure is SignalProtocolException { Kind: SignalErrorKind.NoSession or SignalErrorKind.InvalidPreKeyId } && failedType is "msg" or "pkmsg";
            if (await SendRetryReceiptAsync(connection, node, source, includeKeys: noSession).ConfigureAwait(false) == 1 && node.GetAttr("category") != "peer")
            {
                SchedulePhoneRequest(connection, source);
            }

            await SendAckAsync(connection, node).ConfigureAwait(false);
            await RaiseAsync(new UndecryptableMessageEvent(source.Id, source.Chat, source.Author, failure.Message)).ConfigureAwait(false);
            return null;
        }

        return (contents, recorded);
    }

    /// <summary>The event of one decrypted message's content.</summary>
    private static MessageReceivedEvent ReceivedEvent(MessageSource source, Jid chat, Message message, bool offline) =>
        new(source.Id, chat, source.Sender, source.PhoneNumber, source.Lid, source.PushName, chat.IsGroup, source.IsFromMe, offline, source.Timestamp, message);

    /// <summary>Takes the content out of device-sent, ephemeral and view-once wrappers; a device-sent message names its chat.</summary>
    private static (Message Message, Jid Chat) Unwrap(Message message, Jid chat)
    {
        for (var depth = 0; depth < MaxWrapperDepth; depth++)
        {
            if (message.DeviceSentMessage is { Message: { } sent } dsm)
            {
                chat = Jid.TryParse(dsm.DestinationJid, out var destination) ? destination : chat;
                message = sent;
            }
            else if ((message.EphemeralMessage ?? message.ViewOnceMessage ?? message.ViewOnceMessageV2 ?? message.ViewOnceMessageV2Extension) is { Message: { } inner })
            {
                message = inner;
            }
            else
            {
                break;
            }
        }

        return (message, chat);
    }

    /// <summary>Sends the delivery receipt (PROTOCOL.md §7.3): <c>sender</c> for our own devices' messages, <c>peer_msg</c> for peer ones.</summary>
    private Task SendMessageReceiptAsync(ClientConnection connection, Node node, MessageSource source)
    {
        var attrs = Attrs(("id", source.Id), ("to", node.Attrs["from"]));
        if (node.Attrs.TryGetValue("participant", out var participant))
        {
            attrs["participant"] = participant;
        }

        if (node.GetAttr("category") == "peer")
        {
            attrs["type"] = "peer_msg";
        }
        else if (source.IsFromMe)
        {
            attrs["type"] = "sender";
            if (node.Attrs.TryGetValue("recipient", out var recipient))
            {
                attrs["recipient"] = recipient;
            }
        }

        return SendNodeAsync(connection, new Node("receipt", attrs));
    }
}

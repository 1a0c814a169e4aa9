using System.Collections.Concurrent;
using Google.Protobuf;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Noise;
using WaOrleans.Protocol.Proto;
using PeerDataType = WaOrleans.Protocol.Proto.Message.Types.PeerDataOperationRequestType;
using ProtocolType = WaOrleans.Protocol.Proto.Message.Types.ProtocolMessage.Types.Type;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// Placeholder resend (whatsmeow <c>delayedRequestMessageFromPhone</c>, Baileys <c>requestPlaceholderResend</c>):
/// when a message from someone else stays undecryptable after the first retry receipt, our primary
/// phone, which has its own copy, is asked for it with a peer <c>PeerDataOperationRequestMessage</c>;
/// it answers with the <c>WebMessageInfo</c> bytes, raised as the message.
/// </summary>
public sealed partial class WaClient
{
    /// <summary>At most this many messages wait for a request to the phone; beyond, the retry receipts alone must do.</summary>
    private const int MaxPendingPhoneRequests = 256;

    private ConcurrentDictionary<string, CancellationTokenSource>? _phoneRequests;

    // Created on first use: most sessions idle, and an idle session should not pay for it.
    private ConcurrentDictionary<string, CancellationTokenSource> PhoneRequests => LazyInitializer.EnsureInitialized(ref _phoneRequests, () => new(StringComparer.Ordinal));

    /// <summary>
    /// Asks our phone for a message after <see cref="WaClientOptions.PlaceholderResendDelay"/>,
    /// unless the sender's resend decrypts first (<see cref="CancelPhoneRequest"/>).
    /// </summary>
    private void SchedulePhoneRequest(ClientConnection connection, MessageSource source)
    {
        var delay = _options.PlaceholderResendDelay;
        if (delay == Timeout.InfiniteTimeSpan || source.IsFromMe || PhoneRequests.Count >= MaxPendingPhoneRequests)
        {
            return;
        }

        var cancel = CancellationTokenSource.CreateLinkedTokenSource(connection.Token);
        if (!PhoneRequests.TryAdd(source.Id, cancel))
        {
            cancel.Dispose();
            return;
        }

        _ = RequestFromPhoneLaterAsync(connection, source, delay, cancel);
    }

    private async Task RequestFromPhoneLaterAsync(ClientConnection connection, MessageSource source, TimeSpan delay, CancellationTokenSource cancel)
    {
        try
        {
            await Task.Delay(delay, _time, cancel.Token).ConfigureAwait(false);
            await SendPlaceholderResendRequestAsync(connection, source, cancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The sender's resend decrypted first, or the connection ended.
        }
#pragma warning disable CA1031 // A failed request only means the message stays unavailable; it must not surface as an unobserved task.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogMessages.HandlerFailed(_logger, ex, "placeholder-resend");
        }
        finally
        {
            PhoneRequests.TryRemove(new KeyValuePair<string, CancellationTokenSource>(source.Id, cancel));
            cancel.Dispose();
        }
    }

    /// <summary>Stops a pending request to the phone: the message arrived after all.</summary>
    private void CancelPhoneRequest(string id)
    {
        if (_phoneRequests is { } requests && requests.TryGetValue(id, out var cancel))
        {
            try
            {
                cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The request completed meanwhile.
            }
        }
    }

    /// <summary>
    /// Sends the peer message asking our primary phone to resend one message (whatsmeow
    /// <c>BuildUnavailableMessageRequest</c> + <c>SendPeerMessage</c>): to our own number, encrypted
    /// for the phone alone, <c>category="peer"</c>, and awaited until the server acks it.
    /// </summary>
    private async Task SendPlaceholderResendRequestAsync(ClientConnection connection, MessageSource source, CancellationToken cancellationToken)
    {
        var credentials = Credentials ?? throw new InvalidOperationException("the client is not paired");
        var me = credentials.Me!.Value;
        var key = new MessageKey { RemoteJid = source.Chat.ToString(), FromMe = false, Id = source.Id };
        if (source.Chat.IsGroup || source.Chat.IsBroadcast)
        {
            key.Participant = source.Author.WithoutDevice().ToString();
        }

        var request = new Message
        {
            ProtocolMessage = new Message.Types.ProtocolMessage
            {
                Type = ProtocolType.PeerDataOperationRequestMessage,
                PeerDataOperationRequestMessage = new Message.Types.PeerDataOperationRequestMessage
                {
                    PeerDataOperationRequestType = PeerDataType.PlaceholderMessageResend,
                    PlaceholderMessageResendRequest = { new Message.Types.PeerDataOperationRequestMessage.Types.PlaceholderMessageResendRequest { MessageKey = key } },
                },
            },
        };

        // The session with our phone lives under our LID once it is known, as whatsmeow keeps it.
        var phone = (credentials.MeLid ?? me).WithDevice(0);
        Node enc;
        await _signalGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureSessionsAsync([phone], force: false, cancellationToken).ConfigureAwait(false);
            enc = await EncryptForDeviceAsync(phone, request.ToByteArray(), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _signalGate.Release();
        }

        var id = GenerateMessageId(me);
        var content = new List<Node> { new("meta", Attrs(("appdata", "default"))), enc };
        if (enc.GetAttr("type") == "pkmsg" && credentials.Account is { } account)
        {
            content.Add(new Node("device-identity", content: account.ToArray()));
        }

        var stanza = new Node("message", Attrs(("id", id), ("type", "text"), ("category", "peer"), ("to", me.WithoutDevice())), NodeContent.FromChildren(content));
        LogMessages.PlaceholderResendRequested(_logger, source.Id, source.Chat.ToString());
        var ack = await SendAndAwaitAckAsync(connection, id, stanza, null, cancellationToken).ConfigureAwait(false);
        if (new AttrReader(ack).GetOptionalInt32("error") is { } error)
        {
            throw new SendException($"the server refused the placeholder resend request {id} with error {error}", error);
        }
    }

    /// <summary>
    /// Reads our phone's answer to placeholder resend requests: one <see cref="MessageReceivedEvent"/>
    /// per resent message, marked with the request id. Empty for anything else.
    /// </summary>
    private async Task<IReadOnlyList<(MessageReceivedEvent Event, Message Outer)>> RecoveredMessagesAsync(MessageSource source, Message message, CancellationToken cancellationToken)
    {
        if (!source.IsFromMe || message.ProtocolMessage is not { Type: ProtocolType.PeerDataOperationRequestResponseMessage } protocol
            || protocol.PeerDataOperationRequestResponseMessage is not { PeerDataOperationRequestType: PeerDataType.PlaceholderMessageResend } response)
        {
            return [];
        }

        var me = Credentials?.Me;
        var events = new List<(MessageReceivedEvent, Message)>();
        foreach (var result in response.PeerDataOperationResult)
        {
            if (result.PlaceholderMessageResendResponse?.WebMessageInfoBytes is not { Length: > 0 } bytes)
            {
                continue;
            }

            WebMessageInfo info;
            try
            {
                info = WebMessageInfo.Parser.ParseFrom(bytes);
            }
            catch (InvalidProtocolBufferException)
            {
                continue;
            }

            if (info.Key is not { Id: { Length: > 0 } id } key || !Jid.TryParse(key.RemoteJid, out var chat) || info.Message is null)
            {
                continue;
            }

            Jid? participant = Jid.TryParse(key.Participant, out var p) ? p : Jid.TryParse(info.Participant, out var q) ? q : null;
            var sender = key.FromMe && me is { } mine ? mine.WithoutDevice() : participant ?? chat;
            var phone = sender.IsPhoneNumber ? sender : await _store.Lids.GetPhoneNumberAsync(sender, cancellationToken).ConfigureAwait(false);
            var lid = sender.IsLid ? sender : await _store.Lids.GetLidAsync(sender, cancellationToken).ConfigureAwait(false);
            var (content, unwrappedChat) = Unwrap(info.Message, chat);
            var timestamp = info.MessageTimestamp > 0 ? DateTimeOffset.FromUnixTimeSeconds((long)info.MessageTimestamp) : source.Timestamp;
            events.Add((new MessageReceivedEvent(id, unwrappedChat, sender, phone, lid, info.HasPushName ? info.PushName : null,
                unwrappedChat.IsGroup, key.FromMe, IsOffline: false, timestamp, content) { RecoveredByRequestId = response.StanzaId }, info.Message));
            RetryCounts.TryRemove(id, out _);
            CancelPhoneRequest(id);
        }

        return events;
    }
}

using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Noise;
using WaOrleans.Protocol.Proto;
using WaOrleans.Protocol.Signal.Stores;
using SignalCommit = System.Func<WaOrleans.Protocol.Signal.Stores.ISignalProtocolStore, WaOrleans.Protocol.Signal.Stores.SignalChangeSet, System.Threading.CancellationToken, System.Threading.Tasks.ValueTask>;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// Sending (PROTOCOL.md §6): device lists, sessions, per-device encryption, the message stanza,
/// and completion on the server's ack. Build content with <see cref="MessageBuilder"/>.
/// </summary>
public sealed partial class WaClient
{
    /// <summary>How many recent sends are kept to answer retry receipts; retries come within seconds, so a few hundred cover any burst.</summary>
    internal const int RecentSendCapacity = 512;

    /// <summary>Random bytes hashed into a message id (PROTOCOL.md §6.1).</summary>
    private const int MessageIdEntropy = 16;

    /// <summary>Hash bytes kept in a message id: 9 bytes, 18 hex characters after <c>3EB0</c>.</summary>
    private const int MessageIdHashBytes = 9;

    private readonly ConcurrentDictionary<string, TaskCompletionSource<Node>> _pendingAcks = new(StringComparer.Ordinal);
    private ConcurrentDictionary<string, RecentSend>? _recentSends;

    // Created on first use: most sessions idle, and an idle session should not pay for it.
    private ConcurrentDictionary<string, RecentSend> RecentSends => LazyInitializer.EnsureInitialized(ref _recentSends, () => new(StringComparer.Ordinal));
    private ConcurrentQueue<string>? _recentSendOrder;

    // Created on first use: most sessions idle, and an idle session should not pay for it.
    private ConcurrentQueue<string> RecentSendOrder => LazyInitializer.EnsureInitialized(ref _recentSendOrder, () => new());

    /// <summary>
    /// Sends a message to a user (PN or LID JID) or a group and returns once the server acked it.
    /// Our own other devices get it as a DeviceSentMessage.
    /// </summary>
    /// <exception cref="NotOnWhatsAppException">The user is not on WhatsApp.</exception>
    /// <exception cref="SendException">The server refused the message.</exception>
    /// <exception cref="TransportException">There is no connection, or it ended before the ack.</exception>
    public async Task<SendResult> SendMessageAsync(Jid to, Message message, SendOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var connection = _connection ?? throw new TransportException(TransportErrorKind.Closed, "the client is not connected");
        var me = Credentials?.Me ?? throw new InvalidOperationException("the client is not paired");
        var id = options?.MessageId ?? GenerateMessageId(me);
        var stanza = to.IsGroup
            ? await BuildGroupStanzaAsync(to.WithoutDevice(), id, message, options?.CommitSignalAsync, cancellationToken).ConfigureAwait(false)
            : await BuildDirectStanzaAsync(to.WithoutDevice(), id, message, options?.CommitSignalAsync, cancellationToken).ConfigureAwait(false);
        RememberSend(id, new RecentSend(to.WithoutDevice(), message));
        await RememberPollAsync(id, me, message, message, cancellationToken).ConfigureAwait(false);
        var ack = await SendAndAwaitAckAsync(connection, id, stanza, options?.AckTimeout, cancellationToken).ConfigureAwait(false);
        var reader = new AttrReader(ack);
        if (reader.GetOptionalInt32("error") is { } error)
        {
            throw new SendException($"the server refused message {id} with error {error}", error);
        }

        if (reader.GetOptionalString("phash") is { Length: > 0 } serverHash && stanza.GetAttr("phash") is var ourHash && serverHash != ourHash)
        {
            await HandlePhashMismatchAsync(connection, to.WithoutDevice(), id, ourHash, cancellationToken).ConfigureAwait(false);
        }

        var timestamp = reader.GetOptionalInt64("t") is { } t ? DateTimeOffset.FromUnixTimeSeconds(t) : _time.GetUtcNow();
        return new SendResult(id, timestamp);
    }

    /// <summary>
    /// The server saw other devices than we encrypted for (PROTOCOL.md §6.4). For a group, the
    /// devices we missed get the message now; for a user, the cached lists are dropped so the
    /// next send asks again. The send itself succeeded, so a failure here is only logged.
    /// </summary>
    private async Task HandlePhashMismatchAsync(ClientConnection connection, Jid to, string id, string? ourHash, CancellationToken cancellationToken)
    {
        LogMessages.PhashMismatch(_logger, id, to.ToString());
        if (!to.IsGroup || ourHash is null)
        {
            _deviceCache.TryRemove(to, out _);
            if (to.IsPhoneNumber && await _store.Lids.GetLidAsync(to, cancellationToken).ConfigureAwait(false) is { } lid)
            {
                _deviceCache.TryRemove(lid, out _);
            }

            return;
        }

        try
        {
            await ResendToUnknownGroupDevicesAsync(connection, to, id, ourHash, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IqException or TransportException or WaOrleans.Protocol.Signal.SignalProtocolException)
        {
            LogMessages.HandlerFailed(_logger, ex, "phash-resend");
        }
    }

    /// <summary>Generates a message id in WhatsApp's format: <c>3EB0</c> and 18 hex characters of a hash (PROTOCOL.md §6.1).</summary>
    internal string GenerateMessageId(Jid me)
    {
        var user = Encoding.UTF8.GetBytes(me.User + "@c.us");
        var input = new byte[sizeof(ulong) + user.Length + MessageIdEntropy];
        BinaryPrimitives.WriteUInt64BigEndian(input, (ulong)_time.GetUtcNow().ToUnixTimeSeconds());
        user.CopyTo(input, sizeof(ulong));
        _options.Random.Fill(input.AsSpan(sizeof(ulong) + user.Length));
        return "3EB0" + Convert.ToHexString(SHA256.HashData(input), 0, MessageIdHashBytes);
    }

    private async Task<Node> BuildDirectStanzaAsync(Jid to, string id, Message message, SignalCommit? commit, CancellationToken cancellationToken)
    {
        var credentials = Credentials ?? throw new InvalidOperationException("the client is not paired");
        var me = credentials.Me!.Value;
        var target = to.IsPhoneNumber ? await ResolveLidAsync(to, cancellationToken).ConfigureAwait(false) ?? to : to;
        var own = target.IsLid && credentials.MeLid is { } myLid ? myLid : me;
        var devices = await GetDevicesAsync([target, own], cancellationToken).ConfigureAwait(false);
        if (!devices.TryGetValue(target, out var targetDevices) || targetDevices.Count == 0)
        {
            throw new NotOnWhatsAppException(to);
        }

        var targets = targetDevices.Select(d => target.WithDevice(d)).ToList();
        var ownDevices = (devices.GetValueOrDefault(own.WithoutDevice()) ?? [])
            .Where(d => d != own.Device)
            .Select(d => own.WithoutDevice().WithDevice(d))
            .ToList();
        var deviceSent = new Message
        {
            DeviceSentMessage = new Message.Types.DeviceSentMessage { DestinationJid = to.ToString(), Message = message },
            MessageContextInfo = message.MessageContextInfo,
        };
        var participants = await EncryptForDevicesAsync([(targets, message.ToByteArray()), (ownDevices, deviceSent.ToByteArray())], commit, cancellationToken)
            .ConfigureAwait(false);
        var stanza = MessageStanza(to, id, message, [new Node("participants", content: NodeContent.FromChildren(participants))], credentials);

        // The contact's privacy token goes with the message, as WhatsApp Web sends it (PROTOCOL.md §6.4).
        var token = await GetPrivacyTokenAsync(target, cancellationToken).ConfigureAwait(false)
            ?? (target != to ? await GetPrivacyTokenAsync(to, cancellationToken).ConfigureAwait(false) : null);
        return token is null
            ? stanza
            : new Node(stanza.Tag, stanza.Attrs, NodeContent.FromChildren([.. stanza.Children, new Node("tctoken", content: token.Token.ToArray())]));
    }

    /// <summary>
    /// Ensures sessions and encrypts each plaintext for its devices under the Signal gate; returns one <c>to</c> node per device.
    /// Every Signal change is collected and committed once at the end, still under the gate (<see cref="CommitSendAsync"/>).
    /// </summary>
    private async Task<List<Node>> EncryptForDevicesAsync(IReadOnlyList<(List<Jid> Devices, byte[] Plaintext)> groups, SignalCommit? commit, CancellationToken cancellationToken)
    {
        var nodes = new List<Node>();
        await _signalGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var deferred = new DeferredSignalStore(Signal);
            await EnsureSessionsAsync([.. groups.SelectMany(g => g.Devices)], force: false, cancellationToken, deferred).ConfigureAwait(false);
            foreach (var (devices, plaintext) in groups)
            {
                foreach (var device in devices)
                {
                    var enc = await EncryptForDeviceAsync(device, plaintext, cancellationToken, store: deferred).ConfigureAwait(false);
                    nodes.Add(new Node("to", Attrs(("jid", device)), NodeContent.FromChildren(enc)));
                }
            }

            await CommitSendAsync(deferred.Changes, commit, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _signalGate.Release();
        }

        return nodes;
    }

    /// <summary>
    /// Commits every Signal change of one send at once (one transaction for all its devices instead of
    /// one each), through the caller's <see cref="SendOptions.CommitSignalAsync"/> when it gave one.
    /// Runs under the Signal gate: no other operation reads the state in between.
    /// </summary>
    private async Task CommitSendAsync(SignalChangeSet changes, SignalCommit? commit, CancellationToken cancellationToken)
    {
        var signal = Signal;
        if (commit is null)
        {
            await signal.CommitAsync(changes, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await commit(signal, changes, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The <c>message</c> stanza (PROTOCOL.md §6.4): type, edit marker, content, and <c>device-identity</c> when any share is a pkmsg.</summary>
    private static Node MessageStanza(Jid to, string id, Message message, IReadOnlyList<Node> content, Store.DeviceCredentials credentials, params ReadOnlySpan<(string, AttrValue)> extra)
    {
        var attrs = Attrs(("id", id), ("to", to), ("type", MessageTypeOf(message)));
        foreach (var (key, value) in extra)
        {
            attrs[key] = value;
        }

        if (EditAttributeOf(message) is { } edit)
        {
            attrs["edit"] = edit;
        }

        var children = new List<Node>(content);
        var hasPreKey = content.SelectMany(c => c.Tag == "participants" ? c.Children.SelectMany(t => t.Children) : [c])
            .Any(e => e.Tag == "enc" && e.GetAttr("type") == "pkmsg");
        if (hasPreKey && credentials.Account is { } account)
        {
            children.Add(new Node("device-identity", content: account.ToArray()));
        }

        return new Node("message", attrs, NodeContent.FromChildren(children));
    }

    /// <summary>The stanza <c>type</c> WhatsApp expects for the content (Baileys <c>getMessageType</c>).</summary>
    private static string MessageTypeOf(Message message) => message switch
    {
        { ReactionMessage: not null } => "reaction",
        { PollCreationMessage: not null } or { PollCreationMessageV2: not null } or { PollCreationMessageV3: not null } or { PollUpdateMessage: not null } => "poll",
        { ImageMessage: not null } or { VideoMessage: not null } or { AudioMessage: not null } or { DocumentMessage: not null }
            or { StickerMessage: not null } or { ContactMessage: not null } or { LocationMessage: not null } or { PtvMessage: not null } => "media",
        _ => "text",
    };

    /// <summary>The <c>edit</c> attribute: 1 for an edit, 7 for revoking our own message (Baileys <c>getEditAttribute</c>).</summary>
    private static string? EditAttributeOf(Message message) => message.ProtocolMessage?.Type switch
    {
        Message.Types.ProtocolMessage.Types.Type.MessageEdit => "1",
        Message.Types.ProtocolMessage.Types.Type.Revoke => message.ProtocolMessage.Key?.FromMe == false ? "8" : "7",
        _ => null,
    };

    private async Task<Node> SendAndAwaitAckAsync(ClientConnection connection, string id, Node stanza, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var pending = new TaskCompletionSource<Node>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingAcks[id] = pending;
        try
        {
            await SendNodeAsync(connection, stanza, cancellationToken).ConfigureAwait(false);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connection.Token);
            try
            {
                return await pending.Task.WaitAsync(timeout ?? _options.QueryTimeout, _time, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TransportException(TransportErrorKind.Closed, $"the connection ended before message {id} was acked");
            }
        }
        finally
        {
            _pendingAcks.TryRemove(id, out _);
        }
    }

    /// <summary>Completes the send an <c>ack class="message"</c> belongs to; false if it is no awaited ack.</summary>
    private bool TryResolveAck(Node node) =>
        node.Tag == "ack" && node.GetAttr("class") == "message" && node.GetAttr("id") is { } id
        && _pendingAcks.TryRemove(id, out var pending) && pending.TrySetResult(node);

    private void FailPendingAcks()
    {
        foreach (var id in _pendingAcks.Keys)
        {
            if (_pendingAcks.TryRemove(id, out var pending))
            {
                pending.TrySetException(new TransportException(TransportErrorKind.Closed, "the connection ended before the message was acked"));
            }
        }
    }

    private void RememberSend(string id, RecentSend send)
    {
        if (RecentSends.TryAdd(id, send))
        {
            RecentSendOrder.Enqueue(id);
        }

        while (RecentSendOrder.Count > RecentSendCapacity && RecentSendOrder.TryDequeue(out var old))
        {
            RecentSends.TryRemove(old, out _);
        }
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A sent message kept to re-encrypt it for a device that asks with a retry receipt.</summary>
    private sealed record RecentSend(Jid Chat, Message Message);
}

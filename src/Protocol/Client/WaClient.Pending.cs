using System.Collections.Concurrent;
using Google.Protobuf;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Proto;
using WaOrleans.Protocol.Signal.Stores;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// Decrypted but unacknowledged messages (DESIGN.md durability rule 1). The ratchet has moved past
/// them, so a redelivery can only be served from a stored copy: it is committed with the Signal
/// state that decrypted it, re-raised on redelivery and at login, and removed once acked.
/// </summary>
public sealed partial class WaClient
{
    /// <summary>The tag of a stored copy's decrypted contents, one child per <c>enc</c> that held a message.</summary>
    private const string PlaintextTag = "plaintext";

    // Only for a Signal store that cannot keep pending messages: then they live in memory, and a
    // crash before the ack loses them.
    private ConcurrentDictionary<PendingInboundKey, IReadOnlyList<Message>>? _unacked;

    // Created on first use: most sessions idle, and an idle session should not pay for it.
    private ConcurrentDictionary<PendingInboundKey, IReadOnlyList<Message>> Unacked => LazyInitializer.EnsureInitialized(ref _unacked, () => new());
    private ConcurrentQueue<PendingInboundKey>? _unackedOrder;

    // Created on first use: most sessions idle, and an idle session should not pay for it.
    private ConcurrentQueue<PendingInboundKey> UnackedOrder => LazyInitializer.EnsureInitialized(ref _unackedOrder, () => new());

    // Acked messages whose stored copy is still to be removed. The removal rides along with the next
    // decrypt's commit, or is flushed when the handler has nothing else queued: one commit per
    // inbound message instead of two. A copy a crash leaves behind is raised again at the next
    // login, as an unacked one would be, and consumers deduplicate on the message id.
    // Until then the copy counts as gone (LoadPendingAsync).
    private ConcurrentDictionary<PendingInboundKey, byte>? _ackedPending;

    // The stored copies that can exist: those the first login listed, plus the ones this client
    // stored since, less those whose removal committed. A message not named here has no copy to
    // read (most have none: the consumer recorded them with their decrypt). Null until that first
    // listing, when every message looks in the store.
    private ConcurrentDictionary<PendingInboundKey, byte>? _storedPending;

    private static PendingInboundKey PendingKeyOf(Node node, MessageSource source)
    {
        var chat = node.GetAttr("from") ?? "";
        return new PendingInboundKey(chat, node.GetAttr("participant") ?? chat, source.Id);
    }

    /// <summary>Loads the contents of a message decrypted before, or null when it is not pending.</summary>
    private async Task<IReadOnlyList<Message>?> LoadPendingAsync(PendingInboundKey key, CancellationToken cancellationToken)
    {
        if (Signal is not IPendingInboundStore pending)
        {
            return Unacked.TryGetValue(key, out var remembered) ? remembered : null;
        }

        if (_ackedPending?.ContainsKey(key) == true || _storedPending?.ContainsKey(key) == false)
        {
            return null;
        }

        return await pending.LoadPendingInboundAsync(key, cancellationToken).ConfigureAwait(false) is { } record
            ? ContentsOf(DecodePending(record))
            : null;
    }

    /// <summary>
    /// Gets or sets the consumer that stores received messages in the transaction of the Signal state
    /// that decrypted them (<see cref="ReceivedMessageCommit"/>); null keeps a pending copy of each
    /// until its ack. Set it before <see cref="StartAsync"/>. Messages that raise more than their
    /// events (polls, votes, our phone's resent messages) keep the pending copy.
    /// </summary>
    public ReceivedMessageCommit? CommitReceivedAsync { get; set; }

    /// <summary>
    /// Commits the decrypting Signal state together with the message: its events through
    /// <see cref="CommitReceivedAsync"/> (returned), or else its stored copy (null returned).
    /// </summary>
    private async Task<IReadOnlyList<MessageReceivedEvent>?> CommitDecryptedAsync(ISignalProtocolStore signal, SignalChangeSet changes, Node node, MessageSource source,
        PendingInboundKey key, IReadOnlyList<Message> contents, CancellationToken cancellationToken)
    {
        List<PendingInboundKey>? acked = null;
        try
        {
            if (signal is IPendingInboundStore)
            {
                acked = TakeAckedPending(changes);
                if (CommitReceivedAsync is { } commitReceived && RecordableEvents(node, source, contents) is { } events
                    && await commitReceived(signal, changes, events, cancellationToken).ConfigureAwait(false))
                {
                    ForgetStored(acked);
                    return events;
                }

                changes.StorePendingInbound(key, EncodePending(node, contents));
            }
            else
            {
                RememberUnacked(key, contents);
            }

            await signal.CommitAsync(changes, cancellationToken).ConfigureAwait(false);
            if (signal is IPendingInboundStore)
            {
                _storedPending?.TryAdd(key, 0);
            }

            ForgetStored(acked);
            return null;
        }
        catch when (acked is not null)
        {
            ReturnAckedPending(acked);
            throw;
        }
    }

    /// <summary>
    /// The events of a message whose contents need nothing but raising, marked as recorded; null when
    /// one is a poll to remember, a vote to decrypt or a protocol message (our phone's resent
    /// messages among them), which take the pending copy's way.
    /// </summary>
    private static List<MessageReceivedEvent>? RecordableEvents(Node node, MessageSource source, IReadOnlyList<Message> contents)
    {
        var offline = node.GetAttr("offline") is { Length: > 0 };
        var events = new List<MessageReceivedEvent>(contents.Count);
        foreach (var content in contents)
        {
            var (message, chat) = Unwrap(content, source.Chat);
            if (message.ProtocolMessage is not null || message.PollUpdateMessage is not null
                || (message.PollCreationMessage ?? message.PollCreationMessageV2 ?? message.PollCreationMessageV3) is not null)
            {
                return null;
            }

            events.Add(ReceivedEvent(source, chat, message, offline) with { IsRecorded = true });
        }

        return events;
    }

    /// <summary>Marks an acked message's stored copy for removal with the next commit.</summary>
    private void ForgetPending(PendingInboundKey key)
    {
        _unacked?.TryRemove(key, out _);
        if (Signal is IPendingInboundStore)
        {
            LazyInitializer.EnsureInitialized(ref _ackedPending, () => new()).TryAdd(key, 0);
        }
    }

    /// <summary>Removes the stored copies of acked messages that no decrypt's commit took along.</summary>
    private async Task FlushAckedPendingAsync()
    {
        if (_ackedPending is not { IsEmpty: false } || Signal is not { } signal)
        {
            return;
        }

        var removal = new SignalChangeSet();
        var acked = TakeAckedPending(removal);
        try
        {
            await signal.CommitAsync(removal, CancellationToken.None).ConfigureAwait(false);
            ForgetStored(acked);
        }
#pragma warning disable CA1031 // A copy left behind is only raised again at the next login (STYLE.md 11).
        catch (Exception ex)
#pragma warning restore CA1031
        {
            ReturnAckedPending(acked);
            LogMessages.HandlerFailed(_logger, ex, PlaintextTag);
        }
    }

    /// <summary>Drops keys whose stored copies' removal committed from the copies that can exist.</summary>
    private void ForgetStored(List<PendingInboundKey>? removed) => removed?.ForEach(k => _storedPending?.TryRemove(k, out _));

    /// <summary>Puts back keys whose removal did not commit: the next commit or flush tries again.</summary>
    private void ReturnAckedPending(List<PendingInboundKey>? keys) => keys?.ForEach(k => _ackedPending!.TryAdd(k, 0));

    /// <summary>Moves the acked keys into <paramref name="changes"/> as removals; returns them (null when none).</summary>
    private List<PendingInboundKey>? TakeAckedPending(SignalChangeSet changes)
    {
        if (_ackedPending is not { IsEmpty: false } acked)
        {
            return null;
        }

        var taken = new List<PendingInboundKey>();
        foreach (var key in acked.Keys)
        {
            if (acked.TryRemove(key, out _))
            {
                changes.RemovePendingInbound(key);
                taken.Add(key);
            }
        }

        return taken;
    }

    /// <summary>
    /// At login, raises again every message a previous run decrypted but did not ack (it crashed,
    /// or a handler failed), then acks it; consumers deduplicate on the message id.
    /// </summary>
    private async Task ReplayPendingAsync(ClientConnection connection)
    {
        if (Signal is not IPendingInboundStore pending)
        {
            return;
        }

        var listed = await pending.ListPendingInboundAsync(connection.Token).ConfigureAwait(false);
        var known = _storedPending ?? new ConcurrentDictionary<PendingInboundKey, byte>();
        foreach (var stored in listed)
        {
            known.TryAdd(stored.Key, 0);
        }

        _storedPending = known;
        foreach (var stored in listed)
        {
            if (_ackedPending?.ContainsKey(stored.Key) == true)
            {
                continue;
            }

            var node = DecodePending(stored.Record);
            if (await ParseSourceAsync(node, connection.Token).ConfigureAwait(false) is { } source)
            {
                // Raised again after a reconnect, like the server's own offline redelivery.
                await DeliverAsync(connection, node, source, stored.Key, ContentsOf(node), offline: true).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The stored copy: the stanza's attributes (all a receipt and an ack need) around the decrypted contents.</summary>
    private static byte[] EncodePending(Node node, IReadOnlyList<Message> contents)
    {
        var children = contents.Select(m => new Node(PlaintextTag, content: m.ToByteArray())).ToArray();
        return NodeWriter.EncodeFrame(new Node(node.Tag, new Dictionary<string, AttrValue>(node.Attrs, StringComparer.Ordinal), NodeContent.FromChildren(children)));
    }

    // EncodeFrame puts a flag byte before the node.
    private static Node DecodePending(byte[] record) => NodeReader.Decode(record.AsSpan(1));

    private static List<Message> ContentsOf(Node stored) =>
        [.. stored.GetChildren(PlaintextTag).Select(c => c.Content.TryGetBytes(out var bytes) ? Message.Parser.ParseFrom(bytes.Span) : new Message())];

    private void RememberUnacked(PendingInboundKey key, IReadOnlyList<Message> contents)
    {
        if (Unacked.TryAdd(key, contents))
        {
            UnackedOrder.Enqueue(key);
        }

        while (UnackedOrder.Count > UnackedMessageCapacity && UnackedOrder.TryDequeue(out var old))
        {
            Unacked.TryRemove(old, out _);
        }
    }
}

using System.Collections.Concurrent;
using Google.Protobuf;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Noise;
using WaOrleans.Protocol.Proto;
using WaOrleans.Protocol.Signal;
using SignalCommit = System.Func<WaOrleans.Protocol.Signal.Stores.ISignalProtocolStore, WaOrleans.Protocol.Signal.Stores.SignalChangeSet, System.Threading.CancellationToken, System.Threading.Tasks.ValueTask>;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// Groups (PROTOCOL.md §5.6, §6.4, §9.3): metadata queries, and sending with our sender key, whose
/// distribution message goes 1:1 only to the devices that have not had it yet.
/// </summary>
public sealed partial class WaClient
{
    /// <summary>Per group, the devices that already have our current sender key (Baileys' <c>sender-key-memory</c>).</summary>
    private ConcurrentDictionary<Jid, ConcurrentDictionary<Jid, bool>>? _senderKeyMemory;

    // Created on first use: most sessions idle, and an idle session should not pay for it.
    private ConcurrentDictionary<Jid, ConcurrentDictionary<Jid, bool>> SenderKeyMemory => LazyInitializer.EnsureInitialized(ref _senderKeyMemory, () => new());

    /// <summary>Gets a group's metadata.</summary>
    /// <exception cref="IqException">The group does not exist or we are not a member (404).</exception>
    public async Task<GroupMetadata> GetGroupMetadataAsync(Jid group, CancellationToken cancellationToken = default)
    {
        var connection = _connection ?? throw new TransportException(TransportErrorKind.Closed, "the client is not connected");
        var reply = await SendIqAsync(connection, new IqRequest("w:g2", "get", group.WithoutDevice(),
            [new Node("query", Attrs(("request", "interactive")))]), cancellationToken).ConfigureAwait(false);
        var node = reply.GetChild("group") ?? throw new IqException("the group query answer has no <group>");
        return await ParseGroupAsync(node, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets every group we are a member of.</summary>
    public async Task<IReadOnlyList<GroupMetadata>> GetGroupsAsync(CancellationToken cancellationToken = default)
    {
        var connection = _connection ?? throw new TransportException(TransportErrorKind.Closed, "the client is not connected");
        var reply = await SendIqAsync(connection, new IqRequest("w:g2", "get", Jid.GroupServerJid,
            [new Node("participating", content: NodeContent.FromChildren(new Node("participants"), new Node("description")))]), cancellationToken)
            .ConfigureAwait(false);
        var groups = new List<GroupMetadata>();
        foreach (var node in reply.GetChild("groups")?.GetChildren("group") ?? [])
        {
            groups.Add(await ParseGroupAsync(node, cancellationToken).ConfigureAwait(false));
        }

        return groups;
    }

    /// <summary>Reads a <c>group</c> node and stores the LID ↔ PN mappings of its members.</summary>
    private async Task<GroupMetadata> ParseGroupAsync(Node node, CancellationToken cancellationToken)
    {
        var reader = new AttrReader(node);
        var participants = new List<GroupParticipant>();
        foreach (var participant in node.GetChildren("participant"))
        {
            if (!Jid.TryParse(participant.GetAttr("jid"), out var jid))
            {
                continue;
            }

            Jid? phone = Jid.TryParse(participant.GetAttr("phone_number"), out var pn) ? pn : null;
            if (jid.IsLid && phone is { } number)
            {
                await _store.Lids.StoreMappingAsync(jid, number, cancellationToken).ConfigureAwait(false);
            }

            var type = participant.GetAttr("type");
            participants.Add(new GroupParticipant(jid, phone ?? (jid.IsPhoneNumber ? jid : null), type is "admin" or "superadmin", type == "superadmin"));
        }

        var id = reader.GetString("id");
        var jidOfGroup = id.Contains('@', StringComparison.Ordinal) ? Jid.Parse(id) : new Jid(id, JidServer.Group);
        return new GroupMetadata(jidOfGroup, reader.GetOptionalString("subject") ?? "",
            reader.GetOptionalJid("creator"), DateTimeOffset.FromUnixTimeSeconds(reader.GetOptionalInt64("creation") ?? 0),
            reader.GetOptionalString("addressing_mode") ?? "pn", participants);
    }

    /// <summary>
    /// Builds the group stanza: one <c>skmsg</c> for all, our sender key 1:1 to the devices that
    /// lack it, and the <c>phash</c> of every member device we know (ours included), so the
    /// server can tell us when our device lists are stale.
    /// </summary>
    private async Task<Node> BuildGroupStanzaAsync(Jid group, string id, Message message, SignalCommit? commit, CancellationToken cancellationToken)
    {
        var credentials = Credentials ?? throw new InvalidOperationException("the client is not paired");
        var metadata = await GetGroupMetadataAsync(group, cancellationToken).ConfigureAwait(false);
        var lidMode = metadata.AddressingMode == "lid" && credentials.MeLid is not null;
        var ownDevice = lidMode ? credentials.MeLid!.Value : credentials.Me!.Value;
        var members = metadata.Participants.Select(p => p.Jid.WithoutDevice()).Append(ownDevice.WithoutDevice()).Distinct().ToList();
        var devices = await GetDevicesAsync(members, cancellationToken).ConfigureAwait(false);
        var allDevices = devices.SelectMany(kv => kv.Value.Select(d => kv.Key.WithDevice(d))).Where(d => d != ownDevice).ToList();
        var memory = SenderKeyMemory.GetOrAdd(group, _ => new ConcurrentDictionary<Jid, bool>());
        var senderKeyName = new SenderKeyName(group.ToString(), AddressOf(ownDevice));

        Node skmsg;
        List<Node> shares;
        await _signalGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // One deferred change set for the sender key and every share, committed once (CommitSendAsync).
            var deferred = new DeferredSignalStore(Signal);
            var distribution = await new GroupSessionBuilder(deferred, _options.Random).CreateAsync(senderKeyName, cancellationToken).ConfigureAwait(false);
            var ciphertext = await new GroupCipher(deferred, senderKeyName).EncryptAsync(Pad(message.ToByteArray()), cancellationToken).ConfigureAwait(false);
            skmsg = new Node("enc", Attrs(("v", "2"), ("type", "skmsg")), ciphertext);
            var needing = allDevices.Where(d => !memory.ContainsKey(d)).ToList();
            var keyMessage = new Message
            {
                SenderKeyDistributionMessage = new Message.Types.SenderKeyDistributionMessage
                {
                    GroupId = group.ToString(),
                    AxolotlSenderKeyDistributionMessage = ByteString.CopyFrom(distribution.Serialized.Span),
                },
            }.ToByteArray();
            shares = [];
            await EnsureSessionsAsync(needing, force: false, cancellationToken, deferred).ConfigureAwait(false);
            foreach (var device in needing)
            {
                var enc = await EncryptForDeviceAsync(device, keyMessage, cancellationToken, store: deferred).ConfigureAwait(false);
                shares.Add(new Node("to", Attrs(("jid", device)), NodeContent.FromChildren(enc)));
            }

            await CommitSendAsync(deferred.Changes, commit, cancellationToken).ConfigureAwait(false);

            // Only once committed: a sender key that was rolled back was never given to anyone.
            foreach (var device in needing)
            {
                memory[device] = true;
            }
        }
        finally
        {
            _signalGate.Release();
        }

        List<Node> content = shares.Count == 0 ? [skmsg] : [skmsg, new Node("participants", content: NodeContent.FromChildren(shares))];
        var phash = ParticipantHash.Compute(allDevices.Append(ownDevice));
        return MessageStanza(group, id, message, content, credentials, ("addressing_mode", lidMode ? "lid" : "pn"), ("phash", phash));
    }

    /// <summary>
    /// After the server's <c>phash</c> differed from ours (whatsmeow drops its caches here): drops
    /// the members' device lists, asks for them again, and sends the message to each device we
    /// did not know of, 1:1 with our sender key, so it is not left with an skmsg it cannot read.
    /// </summary>
    private async Task ResendToUnknownGroupDevicesAsync(ClientConnection connection, Jid group, string id, string sentPhash, CancellationToken cancellationToken)
    {
        if (!RecentSends.TryGetValue(id, out var sent) || Credentials is not { } credentials)
        {
            return;
        }

        var metadata = await GetGroupMetadataAsync(group, cancellationToken).ConfigureAwait(false);
        var lidMode = metadata.AddressingMode == "lid" && credentials.MeLid is not null;
        var ownDevice = lidMode ? credentials.MeLid!.Value : credentials.Me!.Value;
        var members = metadata.Participants.Select(p => p.Jid.WithoutDevice()).Append(ownDevice.WithoutDevice()).Distinct().ToList();
        var memory = SenderKeyMemory.GetOrAdd(group, _ => new ConcurrentDictionary<Jid, bool>());
        var before = members.SelectMany(m => _deviceCache.TryGetValue(m, out var cached) ? cached.Devices.Select(d => m.WithDevice(d)) : [])
            .Concat(memory.Keys)
            .ToHashSet();
        foreach (var member in members)
        {
            _deviceCache.TryRemove(member, out _);
        }

        var devices = await GetDevicesAsync(members, cancellationToken).ConfigureAwait(false);
        var fresh = devices.SelectMany(kv => kv.Value.Select(d => kv.Key.WithDevice(d))).Where(d => d != ownDevice).ToList();
        if (ParticipantHash.Compute(fresh.Append(ownDevice)) == sentPhash)
        {
            return;
        }

        foreach (var device in fresh.Where(d => !before.Contains(d)))
        {
            await ResendToDeviceAsync(connection, id, sent, device, retryCount: null, bundle: null, cancellationToken).ConfigureAwait(false);
        }
    }
}

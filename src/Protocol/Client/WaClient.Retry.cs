using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using Google.Protobuf;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Proto;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.State;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// Retry receipts (PROTOCOL.md §7.5): asking a sender to encrypt again what we could not decrypt,
/// with our key bundle once a plain retry was not enough or when we have no session to offer; and
/// answering others' retry requests from the cache of recent sends, over a session built from the
/// bundle they sent (whatsmeow <c>handleRetryReceipt</c>) or from a freshly fetched one.
/// </summary>
public sealed partial class WaClient
{
    /// <summary>Retries stop after this many attempts per message: Baileys' limit of 5 (PROTOCOL.md §7.5).</summary>
    private const int MaxRetryCount = 5;

    /// <summary>From this retry on, the receipt carries our keys, as WhatsApp Web, Baileys and whatsmeow do (PROTOCOL.md §7.5).</summary>
    private const int RetryCountWithKeys = 2;

    private ConcurrentDictionary<string, int>? _retryCounts;

    // Created on first use: most sessions idle, and an idle session should not pay for it.
    private ConcurrentDictionary<string, int> RetryCounts => LazyInitializer.EnsureInitialized(ref _retryCounts, () => new(StringComparer.Ordinal));

    /// <summary>
    /// Asks the sender to encrypt a message again (PROTOCOL.md §7.5), at most <see cref="MaxRetryCount"/>
    /// times. From the second retry on, or at once when <paramref name="includeKeys"/> (we have no
    /// session with the sender), it carries a bundle with a fresh one-time prekey, so the sender can
    /// start a new session without asking the server.
    /// </summary>
    /// <returns>The retry count sent, or 0 when no receipt went out.</returns>
    private async Task<int> SendRetryReceiptAsync(ClientConnection connection, Node node, MessageSource source, bool includeKeys)
    {
        if (RetryCounts.Count >= UnackedMessageCapacity)
        {
            // Counts of messages that never came back; dropping them only allows a few extra retries.
            RetryCounts.Clear();
        }

        var count = RetryCounts.AddOrUpdate(source.Id, 1, (_, c) => c + 1);
        if (count > MaxRetryCount || Credentials is not { } credentials)
        {
            return 0;
        }

        var registration = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(registration, credentials.RegistrationId.Value);
        var attrs = Attrs(("id", source.Id), ("type", "retry"), ("to", node.Attrs["from"]));
        foreach (var key in (ReadOnlySpan<string>)["participant", "recipient"])
        {
            if (node.Attrs.TryGetValue(key, out var value))
            {
                attrs[key] = value;
            }
        }

        List<Node> children =
        [
            new Node("retry", Attrs(("count", Number(count)), ("id", source.Id), ("t", Number(source.Timestamp.ToUnixTimeSeconds())), ("v", "1"))),
            new Node("registration", content: registration),
        ];
        if (count >= RetryCountWithKeys || includeKeys)
        {
            children.Add(await RetryKeysAsync(connection).ConfigureAwait(false));
        }

        await SendNodeAsync(connection, new Node("receipt", attrs, NodeContent.FromChildren(children))).ConfigureAwait(false);
        LogMessages.RetryRequested(_logger, source.Id, source.Author.ToString(), count, children.Count > 2);
        return count;
    }

    /// <summary>
    /// The <c>keys</c> of a retry receipt: identity, one new one-time prekey, the signed prekey and
    /// our device identity. The prekey is stored (and the counter saved) before the receipt leaves:
    /// the sender's next <c>pkmsg</c> names it. It is never uploaded, as whatsmeow's <c>GenOnePreKey</c>.
    /// </summary>
    private async Task<Node> RetryKeysAsync(ClientConnection connection)
    {
        var credentials = Credentials ?? throw new InvalidOperationException("the client is not paired");
        var preKey = KeyHelper.GeneratePreKeys(new PreKeyId(credentials.NextPreKeyId), 1, _options.Random)[0];
        await Signal.StorePreKeyAsync(preKey, connection.Token).ConfigureAwait(false);
        var next = NextPreKeyId(credentials.NextPreKeyId, 1);
        credentials = credentials with
        {
            NextPreKeyId = next,
            FirstUnuploadedPreKeyId = credentials.FirstUnuploadedPreKeyId == preKey.Id.Value ? next : credentials.FirstUnuploadedPreKeyId,
        };
        await _store.SaveCredentialsAsync(credentials, connection.Token).ConfigureAwait(false);
        SetCredentials(credentials);

        var signed = credentials.SignedPreKey;
        var children = new List<Node>
        {
            new("type", content: new[] { ClientConstants.KeyTypeDjb }),
            new("identity", content: credentials.IdentityKey.KeyPair.PublicKeyBytes()),
            new("key", content: NodeContent.FromChildren(
                new Node("id", content: PreKeyNodes.EncodeId(preKey.Id.Value)),
                new Node("value", content: preKey.KeyPair.PublicKeyBytes()))),
            new("skey", content: NodeContent.FromChildren(
                new Node("id", content: PreKeyNodes.EncodeId(signed.Id.Value)),
                new Node("value", content: signed.KeyPair.PublicKeyBytes()),
                new Node("signature", content: signed.SignatureBytes()))),
        };
        if (credentials.Account is { } account)
        {
            children.Add(new Node("device-identity", content: account.ToArray()));
        }

        return new Node("keys", content: NodeContent.FromChildren(children));
    }

    /// <summary>
    /// Re-encrypts a recent send for the device that could not decrypt it. The new session comes
    /// from the bundle in the receipt's <c>keys</c> when it has one, else from a freshly fetched
    /// bundle; a group message carries our sender key again (<see cref="ResendToDeviceAsync"/>).
    /// </summary>
    private async Task AnswerRetryAsync(ClientConnection connection, Node receipt, Jid device)
    {
        var id = receipt.GetAttr("id") ?? "";
        if (!RecentSends.TryGetValue(id, out var sent) || Credentials is null)
        {
            return;
        }

        var count = int.TryParse(receipt.GetChild("retry")?.GetAttr("count"), NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? c : 1;
        var bundle = receipt.GetChild("keys") is not null ? ParseBundle(receipt, device.Device) : null;
        await ResendToDeviceAsync(connection, id, sent, device, count, bundle, connection.Token).ConfigureAwait(false);
        LogMessages.RetryAnswered(_logger, id, device.ToString(), count, bundle is not null);
    }

    /// <summary>
    /// Sends a recent message again to one device: over a session from <paramref name="bundle"/>
    /// when given, else a freshly fetched one. A 1:1 message goes to the device alone
    /// (<c>device_fanout="false"</c>; our own devices get it as a DeviceSentMessage); a group
    /// message goes to the group with <c>participant</c> naming the device and carries our sender
    /// key, as whatsmeow resends it, so the device reads it and our next skmsg.
    /// </summary>
    private async Task ResendToDeviceAsync(ClientConnection connection, string id, RecentSend sent, Jid device, int? retryCount, PreKeyBundle? bundle,
        CancellationToken cancellationToken)
    {
        var credentials = Credentials ?? throw new InvalidOperationException("the client is not paired");
        var me = credentials.Me!.Value;
        var isOwn = device.User == me.User || device.User == credentials.MeLid?.User;
        Node enc;
        await _signalGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Message content;
            if (sent.Chat.IsGroup)
            {
                var ownDevice = device.IsLid && credentials.MeLid is { } myLid ? myLid : me;
                var distribution = await new GroupSessionBuilder(Signal, _options.Random)
                    .CreateAsync(new SenderKeyName(sent.Chat.ToString(), AddressOf(ownDevice)), cancellationToken).ConfigureAwait(false);
                content = sent.Message.Clone();
                content.SenderKeyDistributionMessage = new Message.Types.SenderKeyDistributionMessage
                {
                    GroupId = sent.Chat.ToString(),
                    AxolotlSenderKeyDistributionMessage = ByteString.CopyFrom(distribution.Serialized.Span),
                };
            }
            else
            {
                content = isOwn
                    ? new Message { DeviceSentMessage = new Message.Types.DeviceSentMessage { DestinationJid = sent.Chat.ToString(), Message = sent.Message } }
                    : sent.Message;
            }

            if (bundle is not null)
            {
                await new SessionBuilder(Signal, AddressOf(device), _options.Random, _time).ProcessBundleAsync(bundle, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // A fresh bundle even when a session exists: the receiver may have lost its side,
                // and a pkmsg repairs that on the first retry instead of the second.
                await EnsureSessionsAsync([device], force: true, cancellationToken).ConfigureAwait(false);
            }

            enc = await EncryptForDeviceAsync(device, content.ToByteArray(), cancellationToken, retryCount).ConfigureAwait(false);
        }
        finally
        {
            _signalGate.Release();
        }

        Node stanza;
        if (sent.Chat.IsGroup)
        {
            stanza = MessageStanza(sent.Chat, id, sent.Message, [enc], credentials, ("participant", device));
            SenderKeyMemory.GetOrAdd(sent.Chat, _ => new ConcurrentDictionary<Jid, bool>())[device] = true;
        }
        else
        {
            var extra = isOwn ? new[] { ("recipient", (AttrValue)sent.Chat), ("device_fanout", (AttrValue)"false") } : [("device_fanout", (AttrValue)"false")];
            stanza = MessageStanza(device, id, sent.Message, [enc], credentials, extra);
        }

        await SendNodeAsync(connection, stanza, cancellationToken).ConfigureAwait(false);
    }
}

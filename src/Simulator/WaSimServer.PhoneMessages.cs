using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Google.Protobuf;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Proto;
using WaOrleans.Protocol.Signal;

namespace WaOrleans.Simulator;

/// <summary>The simulated phone as a Signal peer: it decrypts what companions send it and sends texts of its own.</summary>
public sealed partial class WaSimServer
{
    /// <summary>Random bytes in a phone-made message id, after WhatsApp's <c>3EB0</c> prefix.</summary>
    private const int MessageIdEntropy = 8;

    /// <summary>How many sent 1:1 messages a phone keeps for resending on a retry receipt; phones keep recent messages only.</summary>
    private const int KeptSentMessages = 1000;

    /// <summary>How many retry receipts phones and simulated companions sent, per receiving device and message id.</summary>
    private readonly ConcurrentDictionary<string, int> _peerRetryCounts = new(StringComparer.Ordinal);

    /// <summary>Sends a message from <paramref name="account"/>'s phone to a group it belongs to: a sender-key <c>skmsg</c> for all, with the key in a <c>pkmsg</c> per device.</summary>
    internal async Task<string> SendGroupFromPhoneAsync(SimAccount account, Jid groupJid, Message content)
    {
        var group = State.FindGroup(groupJid) ?? throw new SimRequestException(404, $"no group {groupJid}");
        List<SimDevice> devices;
        lock (State.Sync)
        {
            if (!group.Members.Contains(account))
            {
                throw new SimRequestException(403, $"{account.Phone} is not in {groupJid}");
            }

            devices = [.. group.Members.SelectMany(m => m.Companions)];
        }

        var id = "3EB0" + Convert.ToHexString(RandomNumberGenerator.GetBytes(MessageIdEntropy));
        RememberSender(id, account.PhoneJid);
        RememberSent(account, id, new PhoneSentMessage(content, groupJid));
        var self = SignalAddress.ForUser(account.LidUser, SignalUserDomain.Lid, new DeviceId(0));
        var (distribution, ciphertext) = await account.Signal.GroupEncryptAsync(
            new SenderKeyName(groupJid.ToString(), self), content.ToByteArray()).ConfigureAwait(false);
        var keyMessage = new Message
        {
            SenderKeyDistributionMessage = new Message.Types.SenderKeyDistributionMessage
            {
                GroupId = groupJid.ToString(),
                AxolotlSenderKeyDistributionMessage = ByteString.CopyFrom(distribution),
            },
        }.ToByteArray();
        var shares = new Dictionary<(SimAccount, ushort), IReadOnlyList<Node>>();
        foreach (var device in devices)
        {
            try
            {
                var encrypted = await account.Signal.EncryptAsync(LidAddress(device), () => TakeBundle(device), keyMessage).ConfigureAwait(false);
                shares[(device.Account, device.DeviceId)] = [EncNode(encrypted)];
            }
            catch (SignalProtocolException ex)
            {
                // Without the sender key that device cannot read the group message; it still gets the skmsg, as it would from a real phone.
                LogMessages.PhoneCannotEncrypt(Logger, device.Jid, ex.Message);
            }
        }

        var skmsg = Stanza.Make("enc", ciphertext, ("v", "2"), ("type", "skmsg"));
        await FanOutAsync(group, account, 0, id, StanzaType(content), Options.TimeProvider.GetUtcNow(),
            target => shares.GetValueOrDefault(target) ?? [], [skmsg], account.Lid, account.PhoneJid).ConfigureAwait(false);
        return id;
    }

    /// <summary>Sends a message from <paramref name="account"/>'s phone to every companion of <paramref name="toPhone"/>; returns the message id.</summary>
    internal async Task<string> SendFromPhoneAsync(SimAccount account, string toPhone, Message content)
    {
        var target = State.FindAccount(toPhone) ?? throw new SimRequestException(404, $"{toPhone} is not on WhatsApp");
        List<SimDevice> devices;
        lock (State.Sync)
        {
            devices = [.. target.Companions];
        }

        var id = "3EB0" + Convert.ToHexString(RandomNumberGenerator.GetBytes(MessageIdEntropy));
        RememberSender(id, account.PhoneJid);
        RememberSent(account, id, new PhoneSentMessage(content, null));

        foreach (var device in devices)
        {
            await SendToDeviceAsync(account, device, id, content).ConfigureAwait(false);
        }

        await SendCopiesToOwnDevicesAsync(account, target.PhoneJid, id, content).ConfigureAwait(false);
        return id;
    }

    /// <summary>
    /// Answers a device's retry receipt for a phone message: a new session from a fresh bundle, and
    /// the message again under the same id. A group message goes to that device alone as a 1:1
    /// <c>pkmsg</c> carrying the phone's current sender key, as WhatsApp phones (and Baileys) resend
    /// it: the old <c>skmsg</c> is behind the chain a fresh distribution message starts from.
    /// </summary>
    /// <remarks>
    /// As whatsmeow's sender does: a first retry without keys is answered over the existing session
    /// (the receiver may only have missed a message); when the receipt carries the device's keys
    /// (PROTOCOL.md §7.5), or from the second retry, a new session is built — from those keys, else
    /// from a bundle of the device's uploaded prekeys.
    /// </remarks>
    internal async Task ResendFromPhoneAsync(SimAccount account, SimDevice device, string id, Node receipt)
    {
        PhoneSentMessage? sent;
        lock (State.Sync)
        {
            sent = account.Sent.GetValueOrDefault(id);
        }

        if (sent is null)
        {
            return;
        }

        var bundle = PreKeyCodec.ReadRetryBundle(receipt, device.DeviceId);
        var count = int.TryParse(receipt.GetChild("retry")?.GetAttr("count"), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var c) ? c : 1;
        if (bundle is not null || count >= SimConstants.RetryCountForNewSession)
        {
            await account.Signal.ResetSessionAsync(LidAddress(device)).ConfigureAwait(false);
        }

        if (sent.Group is not { } group)
        {
            await SendToDeviceAsync(account, device, id, sent.Content, bundle: bundle).ConfigureAwait(false);
            return;
        }

        var self = SignalAddress.ForUser(account.LidUser, SignalUserDomain.Lid, new DeviceId(0));
        var distribution = await account.Signal.SenderKeyDistributionAsync(new SenderKeyName(group.ToString(), self)).ConfigureAwait(false);
        var content = sent.Content.Clone();
        content.SenderKeyDistributionMessage = new Message.Types.SenderKeyDistributionMessage
        {
            GroupId = group.ToString(),
            AxolotlSenderKeyDistributionMessage = ByteString.CopyFrom(distribution),
        };
        await SendToDeviceAsync(account, device, id, content, group, bundle: bundle).ConfigureAwait(false);
    }

    private void RememberSent(SimAccount account, string id, PhoneSentMessage sent)
    {
        lock (State.Sync)
        {
            account.Sent[id] = sent;
            if (account.Sent.Count > KeptSentMessages)
            {
                account.Sent.Remove(account.Sent.Keys.First());
            }
        }
    }

    private async Task SendToDeviceAsync(SimAccount account, SimDevice device, string id, Message content, Jid? group = null, Jid? recipient = null,
        PreKeyBundle? bundle = null, bool peer = false)
    {
        var now = Options.TimeProvider.GetUtcNow();
        EncryptedMessage encrypted;
        try
        {
            encrypted = await account.Signal.EncryptAsync(LidAddress(device), () => bundle ?? TakeBundle(device), content.ToByteArray()).ConfigureAwait(false);
        }
        catch (SignalProtocolException ex)
        {
            // A device whose keys do not verify (a provisioned load-test device) cannot be reached; a real phone skips it too.
            LogMessages.PhoneCannotEncrypt(Logger, device.Jid, ex.Message);
            return;
        }

        // Phones address LID peers from their own LID and name their number, as the real server relays them.
        var message = group is { } groupJid
            ? Stanza.Make("message", NodeContent.FromChildren(EncNode(encrypted)),
                ("from", groupJid), ("participant", account.Lid), ("id", id), ("type", StanzaType(content)),
                ("t", Stanza.Number(now.ToUnixTimeSeconds())), ("notify", account.PushName), ("addressing_mode", "lid"), ("participant_pn", account.PhoneJid))
            : Stanza.Make("message", NodeContent.FromChildren(EncNode(encrypted)),
                ("from", account.Lid), ("id", id), ("type", StanzaType(content)), ("t", Stanza.Number(now.ToUnixTimeSeconds())),
                ("notify", account.PushName), ("sender_pn", account.PhoneJid));
        if (peer)
        {
            // A phone's protocol message to its own companion (PROTOCOL.md §7.3 peer_msg).
            message = message with { Attrs = new Dictionary<string, AttrValue>(message.Attrs) { ["category"] = "peer" } };
        }

        if (recipient is { } chat)
        {
            // A copy for the sender's own device names the chat it went to, as the server relays it.
            message = message with { Attrs = new Dictionary<string, AttrValue>(message.Attrs) { ["recipient"] = chat } };
        }

        await DeliverAsync(device.Account, device.DeviceId, message, now).ConfigureAwait(false);
    }

    private static SignalAddress LidAddress(SimDevice device) =>
        SignalAddress.ForUser(device.Account.LidUser, SignalUserDomain.Lid, new DeviceId(device.DeviceId));

    /// <summary>The Signal address a phone keys a device's session by: the JID's user, domain and device.</summary>
    private static SignalAddress PhoneSignalAddress(Jid device) =>
        SignalAddress.ForUser(device.User, device.IsLid ? SignalUserDomain.Lid : SignalUserDomain.WhatsApp, new DeviceId(device.Device));

    /// <summary>
    /// Decrypts a message for the phone or a simulated companion (<paramref name="signal"/>) and
    /// records it in <paramref name="inbox"/>; what does not decrypt is answered with a retry receipt.
    /// </summary>
    private async Task ReceiveOnPeerAsync(PhoneSignal signal, List<PhoneInboxEntry> inbox, Node message, DateTimeOffset now, SimAccount owner, ushort deviceId)
    {
        if (!message.Attrs.TryGetValue("from", out var fromValue) || !fromValue.TryGetJid(out var from))
        {
            return;
        }

        // In a group the author is the participant; the chat is the group.
        var author = from.IsGroup && message.Attrs.TryGetValue("participant", out var participant) && participant.TryGetJid(out var p) ? p : from;
        // A companion's peer message to its phone is addressed to the number but encrypted for the
        // LID session, as whatsmeow sends it: decrypt it under the LID the server names.
        var sessionJid = message.GetAttr("category") == "peer" && message.Attrs.TryGetValue("sender_lid", out var senderLid) && senderLid.TryGetJid(out var lidJid)
            ? lidJid
            : author;
        var address = PhoneSignalAddress(sessionJid);
        var senderKey = new SenderKeyName(from.ToString(), address);
        var id = message.GetAttr("id") ?? "";
        (bool Failed, bool NoSession) retry = (false, false);
        foreach (var enc in message.GetChildren("enc"))
        {
            var type = enc.GetAttr("type") ?? "";
            Message? decrypted = null;
            string? error = null;
            try
            {
                decrypted = await DecryptOnPhoneAsync(signal, enc, type, address, senderKey).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SignalProtocolException or InvalidProtocolBufferException or NotSupportedException)
            {
                error = ex.Message;
                retry = (true, retry.NoSession || (ex is SignalProtocolException { Kind: SignalErrorKind.NoSession } && type is "msg" or "pkmsg"));
            }

            if (decrypted is not null && decrypted.CalculateSize() == 0)
            {
                // A bare sender-key distribution: taken in, nothing to show.
                continue;
            }

            var media = decrypted is null ? null : CheckMedia(decrypted.DeviceSentMessage?.Message ?? decrypted);
            string? tcToken = null;
            lock (State.Sync)
            {
                if (Stanza.ChildBytes(message, "tctoken") is { } presented && State.FindAccount(author) is { } presenter)
                {
                    tcToken = owner.IssuedTokens.TryGetValue(presenter.LidUser, out var issued) && issued.AsSpan().SequenceEqual(presented) ? "valid" : "invalid";
                }

                inbox.Add(new PhoneInboxEntry(author, id, type, decrypted, error, now, media, tcToken));
            }

            if (deviceId == 0 && decrypted?.ProtocolMessage?.PeerDataOperationRequestMessage is { } request && State.FindDevice(author) is { } companion
                && companion.Account == owner)
            {
                await AnswerPeerDataRequestAsync(owner, companion, id, request).ConfigureAwait(false);
            }
        }

        if (deviceId == 0 && !from.IsGroup && !retry.Failed && message.GetAttr("category") != "peer")
        {
            await IssuePrivacyTokenAsync(owner, author, now).ConfigureAwait(false);
        }

        if (retry.Failed)
        {
            await SendPeerRetryAsync(signal, owner, deviceId, message, from, author, retry.NoSession, now).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Issues the phone's trusted-contact token to a companion of another account that messaged it,
    /// once per account, with a <c>privacy_token</c> notification (PROTOCOL.md §7.7); the sender
    /// attaches it to its later messages and presence subscriptions.
    /// </summary>
    private async Task IssuePrivacyTokenAsync(SimAccount owner, Jid author, DateTimeOffset now)
    {
        byte[] token;
        lock (State.Sync)
        {
            if (State.FindDevice(author) is not { } sender || sender.Account == owner || owner.IssuedTokens.ContainsKey(sender.Account.LidUser))
            {
                return;
            }

            token = RandomNumberGenerator.GetBytes(SimConstants.PrivacyTokenSize);
            owner.IssuedTokens[sender.Account.LidUser] = token;
            State.MarkChanged();
        }

        var issuer = author.IsLid ? owner.Lid : owner.PhoneJid;
        var t = Stanza.Number(now.ToUnixTimeSeconds());
        var notification = Stanza.Make("notification", NodeContent.FromChildren(Stanza.Make("tokens", NodeContent.FromChildren(
                Stanza.Make("token", token, ("jid", issuer), ("t", t), ("type", "trusted_contact"))))),
            ("from", issuer), ("type", "privacy_token"), ("id", "sim-token-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4))), ("t", t));
        if (State.FindDevice(author) is { } device)
        {
            await DeliverAsync(device.Account, device.DeviceId, notification, now).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Asks the sending device to encrypt a message again (PROTOCOL.md §7.5), as a phone does: with
    /// its keys from the second retry on or when it has no session with the sender, at most
    /// <see cref="SimConstants.MaxRetryCount"/> times per message.
    /// </summary>
    private async Task SendPeerRetryAsync(PhoneSignal signal, SimAccount owner, ushort deviceId, Node message, Jid from, Jid author, bool noSession, DateTimeOffset now)
    {
        var id = message.GetAttr("id") ?? "";
        if (owner.SendNoRetries || State.FindDevice(author) is not { } sender)
        {
            // Only companions are asked: a phone sender is the simulator itself.
            return;
        }

        if (_peerRetryCounts.Count >= SimConstants.RememberedRetries)
        {
            _peerRetryCounts.Clear();
        }

        var count = _peerRetryCounts.AddOrUpdate($"{owner.Lid.WithDevice(deviceId)}/{id}", 1, (_, c) => c + 1);
        if (count > SimConstants.MaxRetryCount)
        {
            return;
        }

        var self = author.IsLid ? owner.Lid.WithDevice(deviceId) : owner.PhoneJid.WithDevice(deviceId);
        var registration = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(registration, signal.Registration.RegistrationId);
        var children = new List<Node>
        {
            Stanza.Make("retry", default, ("count", Stanza.Number(count)), ("id", id), ("t", message.GetAttr("t") ?? Stanza.Number(now.ToUnixTimeSeconds())), ("v", "1")),
            Stanza.Make("registration", registration),
        };
        if (count >= 2 || noSession)
        {
            (uint, byte[])? preKey;
            lock (State.Sync)
            {
                preKey = signal.TakePreKey();
            }

            children.Add(PreKeyCodec.WriteRetryKeys(signal.Registration, preKey));
        }

        var receipt = from.IsGroup
            ? Stanza.Make("receipt", NodeContent.FromChildren(children), ("from", from), ("participant", self), ("id", id), ("type", "retry"), ("t", Stanza.Number(now.ToUnixTimeSeconds())))
            : Stanza.Make("receipt", NodeContent.FromChildren(children), ("from", self), ("id", id), ("type", "retry"), ("t", Stanza.Number(now.ToUnixTimeSeconds())));
        await DeliverAsync(sender.Account, sender.DeviceId, receipt, now).ConfigureAwait(false);
    }

    /// <summary>Fetches and decrypts a media message's blob as the phone would, checking both hashes and the MAC.</summary>
    private MediaCheck? CheckMedia(Message message)
    {
        var (kind, key, encSha, sha, path, info) = message switch
        {
            { ImageMessage: { } m } => ("image", m.MediaKey, m.FileEncSha256, m.FileSha256, m.DirectPath, "WhatsApp Image Keys"),
            { VideoMessage: { } m } => ("video", m.MediaKey, m.FileEncSha256, m.FileSha256, m.DirectPath, "WhatsApp Video Keys"),
            { AudioMessage: { } m } => ("audio", m.MediaKey, m.FileEncSha256, m.FileSha256, m.DirectPath, "WhatsApp Audio Keys"),
            { DocumentMessage: { } m } => ("document", m.MediaKey, m.FileEncSha256, m.FileSha256, m.DirectPath, "WhatsApp Document Keys"),
            { StickerMessage: { } m } => ("sticker", m.MediaKey, m.FileEncSha256, m.FileSha256, m.DirectPath, "WhatsApp Image Keys"),
            _ => (null, ByteString.Empty, ByteString.Empty, ByteString.Empty, "", ""),
        };
        if (kind is null)
        {
            return null;
        }

        if (Media.Find(path) is not { } blob)
        {
            return new MediaCheck(kind, 0, $"no blob at {path}");
        }

        var plaintext = MediaStore.Decrypt(blob, key.ToByteArray(), info, encSha.ToByteArray(), sha.ToByteArray(), out var error);
        return new MediaCheck(kind, plaintext?.Length ?? 0, error);
    }

    private static async Task<Message> DecryptOnPhoneAsync(PhoneSignal signal, Node enc, string type, SignalAddress address, SenderKeyName senderKey)
    {
        if (!enc.Content.TryGetBytes(out var ciphertext))
        {
            throw new NotSupportedException("the enc node carries no bytes");
        }

        if (type == "skmsg")
        {
            return Message.Parser.ParseFrom(await signal.GroupDecryptAsync(senderKey, ciphertext.ToArray()).ConfigureAwait(false));
        }

        if (type is not ("pkmsg" or "msg"))
        {
            throw new NotSupportedException($"the phone does not decrypt {type} messages");
        }

        var message = Message.Parser.ParseFrom(await signal.DecryptAsync(address, type, ciphertext.ToArray()).ConfigureAwait(false));
        if (message.SenderKeyDistributionMessage is { AxolotlSenderKeyDistributionMessage.Length: > 0 } distribution)
        {
            await signal.ProcessSenderKeyAsync(senderKey, distribution.AxolotlSenderKeyDistributionMessage.ToByteArray()).ConfigureAwait(false);
            message.SenderKeyDistributionMessage = null;
            message.MessageContextInfo = null;
        }

        return message;
    }

    /// <summary>Gives the stanza type WhatsApp uses: media for media messages, reaction and poll for those, text otherwise.</summary>
    private static string StanzaType(Message message) => message switch
    {
        { ImageMessage: not null } or { VideoMessage: not null } or { AudioMessage: not null } or { DocumentMessage: not null }
            or { StickerMessage: not null } or { LocationMessage: not null } or { ContactMessage: not null } => "media",
        { ReactionMessage: not null } => "reaction",
        { PollCreationMessage: not null } => "poll",
        _ => "text",
    };

    private static Node EncNode(EncryptedMessage encrypted) =>
        Stanza.Make("enc", encrypted.Body, ("v", "2"), ("type", encrypted.Type == CiphertextType.PreKey ? "pkmsg" : "msg"));

    private PreKeyBundle TakeBundle(SimDevice device)
    {
        lock (State.Sync)
        {
            BundlePreKey? preKey = null;
            if (device.PreKeys.Count > 0)
            {
                var keyId = device.PreKeys.Keys.Min();
                preKey = new BundlePreKey(new PreKeyId(keyId), device.PreKeys[keyId]);
                device.PreKeys.Remove(keyId);
                State.MarkChanged();
            }

            var registration = device.Registration;
            return new PreKeyBundle(new RegistrationId(registration.RegistrationId), new DeviceId(device.DeviceId),
                new SignedPreKeyId(registration.SignedPreKeyId), registration.SignedPreKey, registration.SignedPreKeySignature,
                IdentityKey.FromBytes(registration.IdentityKey), preKey);
        }
    }
}

using System.Collections.Concurrent;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Noise;

namespace WaOrleans.Simulator;

/// <summary>
/// Message and receipt routing between devices (PROTOCOL.md §10.2 step 5). The server never
/// decrypts: it hands each addressed device its own <c>enc</c>, queues it while the device is
/// offline, and redelivers it until the device acks it.
/// </summary>
public sealed partial class WaSimServer
{
    /// <summary>How many recent message ids the server remembers the sender of; receipts for older ones are dropped, which bounds memory under load.</summary>
    private const int RememberedSenders = 100_000;

    /// <summary>Which device sent each routed message, so receipts find their way back.</summary>
    private readonly ConcurrentDictionary<string, Jid> _messageSenders = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _senderOrder = new();

    /// <summary>Routes a message stanza from <paramref name="sender"/>: acks it, then delivers each device's share.</summary>
    internal async Task RouteMessageAsync(SimDevice sender, Node message)
    {
        var id = message.GetAttr("id");
        if (id is null || !message.Attrs.TryGetValue("to", out var toValue) || !Jid.TryParse(toValue.ToString(), out var to))
        {
            return;
        }

        if (to.IsGroup)
        {
            if (State.FindGroup(to) is { } group && group.Members.Contains(sender.Account))
            {
                await RouteGroupMessageAsync(sender, group, id, message).ConfigureAwait(false);
            }
            else
            {
                // Not a member (or no such group): nacked; the real server's code for this is not documented, 404 is ours.
                await SendToAsync(sender, Stanza.Make("ack", default, ("class", "message"), ("id", id), ("from", to), ("error", "404"))).ConfigureAwait(false);
            }

            return;
        }

        var now = Options.TimeProvider.GetUtcNow();
        await SendToAsync(sender, Stanza.Make("ack", default,
            ("class", "message"), ("id", id), ("from", to), ("t", Stanza.Number(now.ToUnixTimeSeconds())))).ConfigureAwait(false);
        RememberSender(id, sender.Jid);

        var deviceIdentity = message.GetChild("device-identity");
        var shares = message.GetChild("participants") is { } participants
            ? participants.GetChildren("to").Select(t => (Target: t.GetAttr("jid"), Content: t.Children))
            : [(Target: to.ToString(), Content: message.Children.Where(c => c.Tag == "enc").ToList())];
        // A message addressed to one of our own devices names its chat in "recipient".
        var chat = message.GetAttr("recipient") is { } recipient && Jid.TryParse(recipient, out var recipientJid) ? recipientJid : to;
        foreach (var (target, content) in shares)
        {
            if (target is null || !Jid.TryParse(target, out var targetJid) || State.FindAccount(targetJid) is not { } account)
            {
                continue;
            }

            var from = targetJid.IsLid ? sender.Lid : sender.Jid;
            var children = deviceIdentity is null ? content : [.. content, deviceIdentity];
            if (targetJid.Device == 0 && message.GetChild("tctoken") is { } tctoken)
            {
                // Only the simulated phone sees the token, to check it; the real server keeps it too.
                children = [.. children, tctoken];
            }

            var attrs = new List<(string, AttrValue)>
            {
                ("from", from), ("id", id), ("type", message.GetAttr("type") ?? "text"), ("t", Stanza.Number(now.ToUnixTimeSeconds())),
                ("notify", sender.Account.PushName),
                targetJid.IsLid ? ("sender_pn", sender.Jid) : ("sender_lid", sender.Lid),
            };
            if (account == sender.Account)
            {
                attrs.Add(("recipient", chat));
            }

            if (message.GetAttr("category") is { } category)
            {
                // Peer messages between a user's own devices keep their category (PROTOCOL.md §7.3 peer_msg).
                attrs.Add(("category", category));
            }

            var delivery = Stanza.Make("message", NodeContent.FromChildren(children), [.. attrs]);
            await DeliverAsync(account, targetJid.Device, delivery, now).ConfigureAwait(false);
        }
    }

    /// <summary>Routes a receipt back to the device that sent the message, with <c>from</c> set to the receipt's author.</summary>
    internal async Task RouteReceiptAsync(SimDevice author, Node receipt)
    {
        var id = receipt.GetAttr("id");
        if (id is null)
        {
            return;
        }

        await SendToAsync(author, Stanza.Make("ack", default, ("class", "receipt"), ("id", id), ("from", Jid.ServerJid))).ConfigureAwait(false);
        if (!_messageSenders.TryGetValue(id, out var senderJid))
        {
            return;
        }

        if (senderJid.Device == 0 && State.FindAccount(senderJid) is { } phone)
        {
            lock (State.Sync)
            {
                phone.Receipts.Add(new PhoneReceipt(author.Jid, id, receipt.GetAttr("type"), receipt.GetChild("keys") is not null));
            }

            if (receipt.GetAttr("type") == "retry" && !phone.IgnoreRetries)
            {
                await ResendFromPhoneAsync(phone, author, id, receipt).ConfigureAwait(false);
            }

            return;
        }

        if (State.FindDevice(senderJid) is not { } sender)
        {
            return;
        }

        var attrs = receipt.Attrs.Where(a => a.Key is "id" or "type" or "t").ToDictionary(StringComparer.Ordinal);
        attrs["from"] = senderJid.IsLid ? author.Lid : author.Jid;
        attrs.TryAdd("t", Stanza.Number(Options.TimeProvider.GetUtcNow().ToUnixTimeSeconds()));
        await DeliverAsync(sender.Account, sender.DeviceId, new Node("receipt", attrs, receipt.Content), Options.TimeProvider.GetUtcNow())
            .ConfigureAwait(false);
    }

    private void RememberSender(string id, Jid sender)
    {
        _messageSenders[id] = sender;
        _senderOrder.Enqueue(id);
        while (_senderOrder.Count > RememberedSenders && _senderOrder.TryDequeue(out var old))
        {
            _messageSenders.TryRemove(old, out _);
        }
    }

    /// <summary>Forgets a delivered stanza once its device acked it.</summary>
    internal void Acknowledge(SimDevice device, string id)
    {
        lock (State.Sync)
        {
            if (device.Undelivered.RemoveAll(n => n.GetAttr("id") == id) > 0)
            {
                State.MarkChanged();
            }
        }
    }

    /// <summary>Returns the stanzas a device must get at login, marked as offline deliveries.</summary>
    internal IReadOnlyList<Node> TakeOfflineBacklog(SimDevice device)
    {
        lock (State.Sync)
        {
            return [.. device.Undelivered.Select(n => n with { Attrs = new Dictionary<string, AttrValue>(n.Attrs) { ["offline"] = "1" } })];
        }
    }

    private async Task DeliverAsync(SimAccount account, ushort deviceId, Node stanza, DateTimeOffset now)
    {
        if (deviceId == 0)
        {
            if (stanza.Tag == "message")
            {
                await ReceiveOnPeerAsync(account.Signal, account.Inbox, stanza, now, account, 0).ConfigureAwait(false);
            }

            return;
        }

        SimConnection? connection;
        SimulatedPeer? peer;
        lock (State.Sync)
        {
            if (account.FindCompanion(deviceId) is not { } device)
            {
                return;
            }

            peer = device.Peer;
            if (peer is null && stanza.Tag == "message")
            {
                device.Undelivered.Add(stanza);
                State.MarkChanged();
            }

            connection = device.Connection;
        }

        if (peer is not null)
        {
            // A companion the simulator runs itself takes its messages at once, as an always-online device.
            if (stanza.Tag == "message")
            {
                await ReceiveOnPeerAsync(peer.Signal, peer.Inbox, stanza, now, account, deviceId).ConfigureAwait(false);
            }

            return;
        }

        if (connection is not null)
        {
            try
            {
                await connection.SendNodeAsync(stanza).ConfigureAwait(false);
            }
            catch (TransportException)
            {
                // The device dropped meanwhile; the message stays undelivered until it logs in again.
            }
        }
    }

    private static async Task SendToAsync(SimDevice device, Node stanza)
    {
        if (device.Connection is { } connection)
        {
            try
            {
                await connection.SendNodeAsync(stanza).ConfigureAwait(false);
            }
            catch (TransportException)
            {
                // Gone before the ack: the client resends what it did not see acked.
            }
        }
    }
}

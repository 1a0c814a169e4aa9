using WaOrleans.Protocol.Binary;

namespace WaOrleans.Simulator;

/// <summary>Presence and chat state (PROTOCOL.md §9.2): availability announced by devices, subscriptions, typing relayed.</summary>
public sealed partial class WaSimServer
{
    /// <summary>Handles <c>&lt;presence&gt;</c>: a subscription answers with the target's presence; an announcement reaches its subscribers.</summary>
    internal async Task HandlePresenceAsync(SimDevice device, Node presence)
    {
        var type = presence.GetAttr("type");
        if (type == "subscribe")
        {
            if (presence.GetAttr("to") is not { } to || !Jid.TryParse(to, out var toJid) || State.FindAccount(toJid) is not { } target)
            {
                return;
            }

            lock (State.Sync)
            {
                target.PresenceSubscribers.Add(device);
            }

            await SendToAsync(device, PresenceOf(target, toJid.IsLid)).ConfigureAwait(false);
            return;
        }

        if (type is not ("available" or "unavailable"))
        {
            return;
        }

        List<SimDevice> subscribers;
        var account = device.Account;
        lock (State.Sync)
        {
            account.Available = type == "available";
            account.LastSeen = Options.TimeProvider.GetUtcNow();
            subscribers = [.. account.PresenceSubscribers];
        }

        foreach (var subscriber in subscribers)
        {
            await SendToAsync(subscriber, PresenceOf(account, asLid: false)).ConfigureAwait(false);
        }
    }

    /// <summary>Relays <c>&lt;chatstate&gt;</c> (typing, recording, paused) to the chat's other devices.</summary>
    internal async Task HandleChatStateAsync(SimDevice device, Node chatState)
    {
        if (chatState.GetAttr("to") is not { } to || !Jid.TryParse(to, out var toJid))
        {
            return;
        }

        List<SimDevice> targets;
        Node relayed;
        lock (State.Sync)
        {
            if (State.FindGroup(toJid) is { } group)
            {
                targets = [.. group.Members.Where(m => m != device.Account).SelectMany(m => m.Companions)];
                relayed = new Node("chatstate", new Dictionary<string, AttrValue> { ["from"] = group.Jid, ["participant"] = device.Account.Lid }, chatState.Content);
            }
            else if (State.FindAccount(toJid) is { } target)
            {
                targets = [.. target.Companions];
                var from = toJid.IsLid ? device.Account.Lid : device.Account.PhoneJid;
                relayed = new Node("chatstate", new Dictionary<string, AttrValue> { ["from"] = from }, chatState.Content);
            }
            else
            {
                return;
            }
        }

        foreach (var target in targets)
        {
            await SendToAsync(target, relayed).ConfigureAwait(false);
        }
    }

    private Node PresenceOf(SimAccount account, bool asLid)
    {
        lock (State.Sync)
        {
            var from = asLid ? account.Lid : account.PhoneJid;
            return account.Available
                ? Stanza.Make("presence", default, ("from", from))
                : Stanza.Make("presence", default, ("from", from), ("type", "unavailable"),
                    ("last", account.LastSeen is { } seen ? Stanza.Number(seen.ToUnixTimeSeconds()) : "deny"));
        }
    }
}

using WaOrleans.Protocol.Binary;

namespace WaOrleans.Simulator;

/// <summary>
/// Groups (PROTOCOL.md §5.6, §9.3): metadata and participating queries, and sender-key fan-out,
/// where every member device gets the <c>skmsg</c> plus its own <c>pkmsg</c> share if it has one.
/// </summary>
public sealed partial class WaSimServer
{
    /// <summary>Creates a group through the control API; every member must be a simulated phone.</summary>
    internal SimGroup CreateGroup(string subject, SimAccount creator, IEnumerable<SimAccount> members) =>
        State.CreateGroup(subject, creator, members, Options.TimeProvider.GetUtcNow());

    /// <summary>Answers a <c>w:g2</c> iq: <c>query</c> for one group's metadata, <c>participating</c> for all of the caller's groups.</summary>
    internal Node AnswerGroupIq(SimDevice device, Node iq)
    {
        if (iq.GetChild("participating") is not null)
        {
            return Stanza.Result(iq, Stanza.Make("groups", NodeContent.FromChildren(State.GroupsOf(device.Account).Select(GroupMetadata))));
        }

        if (iq.GetChild("query") is not null)
        {
            var group = iq.Attrs.TryGetValue("to", out var to) && Jid.TryParse(to.ToString(), out var jid) ? State.FindGroup(jid) : null;
            return group is not null && group.Members.Contains(device.Account)
                ? Stanza.Result(iq, GroupMetadata(group))
                : Stanza.Error(iq, 404, "item-not-found");
        }

        return Stanza.Result(iq);
    }

    /// <summary>Fans a member's group message out to every other member device.</summary>
    internal async Task RouteGroupMessageAsync(SimDevice sender, SimGroup group, string id, Node message)
    {
        var now = Options.TimeProvider.GetUtcNow();
        if (message.Attrs.TryGetValue("participant", out var participantValue) && participantValue.TryGetJid(out var participant))
        {
            // A resend to one member device (a retry answer): only that device gets it (PROTOCOL.md §6.4).
            await SendToAsync(sender, Stanza.Make("ack", default,
                ("class", "message"), ("id", id), ("from", group.Jid), ("t", Stanza.Number(now.ToUnixTimeSeconds())))).ConfigureAwait(false);
            if (State.FindAccount(participant) is { } member && group.Members.Contains(member))
            {
                // The share may sit in the stanza itself (whatsmeow, WaClient) or in participants/to (Baileys).
                var wrapped = message.GetChild("participants")?.GetChildren("to").FirstOrDefault(t => t.GetAttr("jid") is { } j && Jid.TryParse(j, out var to) && to.Device == participant.Device);
                var single = (wrapped?.Children ?? []).Concat(message.Children.Where(c => c.Tag is "enc" or "device-identity")).ToList();
                await FanOutAsync(group, sender.Account, sender.DeviceId, id, message.GetAttr("type") ?? "text", now, _ => [], single, sender.Lid, sender.Jid,
                    only: (member, participant.Device)).ConfigureAwait(false);
            }

            return;
        }

        // The server's participant hash: every member device, as the LID-addressed group names them.
        string phash;
        lock (State.Sync)
        {
            phash = Protocol.Client.ParticipantHash.Compute(group.Members.SelectMany(m => m.Companions.Select(d => d.DeviceId).Prepend((ushort)0).Select(d => m.Lid.WithDevice(d))));
        }

        await SendToAsync(sender, Stanza.Make("ack", default,
            ("class", "message"), ("id", id), ("from", group.Jid), ("t", Stanza.Number(now.ToUnixTimeSeconds())), ("phash", phash))).ConfigureAwait(false);
        RememberSender(id, sender.Jid);
        var shares = (message.GetChild("participants")?.GetChildren("to") ?? [])
            .Select(t => (Jid: Jid.TryParse(t.GetAttr("jid"), out var j) ? j : default, t.Children))
            .Where(s => !s.Jid.IsEmpty)
            .ToList();
        var common = message.Children.Where(c => c.Tag is "enc" or "device-identity").ToList();
        await FanOutAsync(group, sender.Account, sender.DeviceId, id, message.GetAttr("type") ?? "text", now,
            target => shares.FirstOrDefault(s => State.FindAccount(s.Jid) == target.Account && s.Jid.Device == target.DeviceId).Children ?? [],
            common, sender.Lid, sender.Jid).ConfigureAwait(false);
    }

    private async Task FanOutAsync(SimGroup group, SimAccount senderAccount, ushort senderDevice, string id, string type, DateTimeOffset now,
        Func<(SimAccount Account, ushort DeviceId), IReadOnlyList<Node>> shareOf, IReadOnlyList<Node> common, Jid participantLid, Jid participantPn,
        (SimAccount Account, ushort DeviceId)? only = null)
    {
        List<(SimAccount Account, ushort DeviceId)> targets;
        lock (State.Sync)
        {
            targets = [.. group.Members.SelectMany(m => m.Companions.Select(d => (m, d.DeviceId)).Prepend((m, (ushort)0)))
                .Where(t => t.m != senderAccount || t.Item2 != senderDevice)
                .Where(t => only is null || (t.m == only.Value.Account && t.Item2 == only.Value.DeviceId))];
        }

        foreach (var target in targets)
        {
            // The device's own pkmsg (carrying the sender key) must come before the skmsg it unlocks.
            var delivery = Stanza.Make("message", NodeContent.FromChildren([.. shareOf(target), .. common]),
                ("from", group.Jid), ("participant", participantLid), ("id", id), ("type", type),
                ("t", Stanza.Number(now.ToUnixTimeSeconds())), ("notify", senderAccount.PushName),
                ("addressing_mode", "lid"), ("participant_pn", participantPn));
            await DeliverAsync(target.Account, target.DeviceId, delivery, now).ConfigureAwait(false);
        }
    }

    private Node GroupMetadata(SimGroup group)
    {
        lock (State.Sync)
        {
            var participants = group.Members.Select(m => m == group.Creator
                ? Stanza.Make("participant", default, ("jid", m.Lid), ("phone_number", m.PhoneJid), ("type", "superadmin"))
                : Stanza.Make("participant", default, ("jid", m.Lid), ("phone_number", m.PhoneJid)));
            var created = Stanza.Number(group.Created.ToUnixTimeSeconds());
            return Stanza.Make("group", NodeContent.FromChildren(participants),
                ("id", group.Jid.User), ("subject", group.Subject), ("s_o", group.Creator.Lid), ("s_t", created),
                ("creation", created), ("creator", group.Creator.Lid), ("creator_pn", group.Creator.PhoneJid),
                ("addressing_mode", "lid"), ("size", Stanza.Number(group.Members.Count)));
        }
    }
}

using WaOrleans.Protocol.Binary;

namespace WaOrleans.Simulator;

/// <summary>USync (PROTOCOL.md §6.2, §9.1): device lists with key indexes, LIDs, and whether numbers are on WhatsApp.</summary>
public sealed partial class WaSimServer
{
    /// <summary>Answers a <c>usync</c> iq for the protocols it asks (devices, lid, contact); others are left out of each user.</summary>
    internal Node AnswerUsync(Node iq)
    {
        var usync = iq.GetChild("usync");
        if (usync?.GetChild("query") is not { } query)
        {
            return Stanza.Error(iq, 400, "bad-request");
        }

        var protocols = query.Children.Select(p => p.Tag).ToHashSet(StringComparer.Ordinal);
        var users = new List<Node>();
        foreach (var user in usync.GetChild("list")?.GetChildren("user") ?? [])
        {
            if (AnswerUser(user, protocols) is { } answer)
            {
                users.Add(answer);
            }
        }

        var attrs = usync.Attrs.Where(a => a.Key is "sid" or "mode" or "context" or "index" or "last").ToDictionary(StringComparer.Ordinal);
        return Stanza.Result(iq, new Node("usync", attrs, NodeContent.FromChildren(Stanza.Make("list", NodeContent.FromChildren(users)))));
    }

    private Node? AnswerUser(Node user, HashSet<string> protocols)
    {
        Jid jid;
        SimAccount? account;
        if (user.Attrs.TryGetValue("jid", out var value) && Jid.TryParse(value.ToString(), out var requested))
        {
            jid = requested.WithoutDevice();
            account = State.FindAccount(jid);
        }
        else if (Stanza.ChildBytes(user, "contact") is { } number
            && new string([.. System.Text.Encoding.UTF8.GetString(number).Where(char.IsAsciiDigit)]) is { Length: > 0 } digits)
        {
            jid = new Jid(digits, JidServer.PhoneNumber);
            account = State.FindAccount(digits);
        }
        else
        {
            return null;
        }

        var children = new List<Node>();
        if (protocols.Contains("contact"))
        {
            children.Add(Stanza.Make("contact", default, ("type", account is null ? "out" : "in")));
        }

        if (account is not null && protocols.Contains("lid"))
        {
            children.Add(Stanza.Make("lid", default, ("val", account.Lid)));
        }

        if (account is not null && protocols.Contains("devices"))
        {
            children.Add(DeviceList(account));
        }

        return Stanza.Make("user", NodeContent.FromChildren(children), ("jid", jid));
    }

    private Node DeviceList(SimAccount account)
    {
        var devices = new List<Node> { Stanza.Make("device", default, ("id", "0")) };
        lock (State.Sync)
        {
            devices.AddRange(account.Companions.OrderBy(d => d.DeviceId).Select(d =>
                Stanza.Make("device", default, ("id", Stanza.Number(d.DeviceId)), ("key-index", Stanza.Number(d.KeyIndex)))));
        }

        return Stanza.Make("devices", NodeContent.FromChildren(Stanza.Make("device-list", NodeContent.FromChildren(devices))));
    }
}

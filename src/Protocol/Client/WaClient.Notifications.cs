using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Events;

namespace WaOrleans.Protocol.Client;

/// <summary>Notifications about groups, privacy tokens and profile pictures (PROTOCOL.md §7.7).</summary>
public sealed partial class WaClient
{
    /// <summary>Raises (or stores) what a <c>w:gp2</c>, <c>privacy_token</c> or <c>picture</c> notification says; the caller acks it.</summary>
    internal Task HandleChangeNotificationAsync(Node node)
    {
        var reader = new AttrReader(node);
        if (reader.GetOptionalJid("from") is not { } from)
        {
            return Task.CompletedTask;
        }

        switch (node.GetAttr("type"))
        {
            case "w:gp2":
                return RaiseGroupChangesAsync(node, from, reader.GetOptionalJid("participant"));
            case "privacy_token":
                foreach (var token in node.GetChild("tokens")?.GetChildren("token") ?? [])
                {
                    if (token.Content.TryGetBytes(out var bytes) && (new AttrReader(token).GetOptionalJid("jid") ?? from) is var owner)
                    {
                        _privacyTokens[owner.WithoutDevice()] = bytes.ToArray();
                    }
                }

                return Task.CompletedTask;
            default:
                var change = node.GetChild("set") ?? node.GetChild("delete");
                if (change is null)
                {
                    return Task.CompletedTask;
                }

                var changeReader = new AttrReader(change);
                return RaiseAsync(new ProfilePictureChangedEvent(changeReader.GetOptionalJid("jid") ?? from,
                    changeReader.GetOptionalJid("author") ?? reader.GetOptionalJid("participant"), change.Tag == "delete"));
        }
    }

    /// <summary>One event per change: a notification may carry several (e.g. add and promote).</summary>
    private async Task RaiseGroupChangesAsync(Node node, Jid group, Jid? author)
    {
        foreach (var change in node.Children)
        {
            var participants = change.GetChildren("participant")
                .Select(p => new AttrReader(p).GetOptionalJid("jid"))
                .OfType<Jid>()
                .ToList();
            var subject = change.GetAttr("subject") ?? change.GetChild("group")?.GetAttr("subject");
            await RaiseAsync(new GroupChangedEvent(group, author, change.Tag, participants, subject)).ConfigureAwait(false);
        }
    }

    /// <summary>Gets whether a privacy token is known for a contact (for tests).</summary>
    internal bool HasPrivacyToken(Jid contact) => _privacyTokens.ContainsKey(contact.WithoutDevice());
}

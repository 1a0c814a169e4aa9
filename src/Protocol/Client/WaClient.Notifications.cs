using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Store;

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
                return StorePrivacyTokensAsync(node, from);
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

    /// <summary>
    /// Keeps the trusted-contact tokens of a <c>privacy_token</c> notification (PROTOCOL.md §7.7):
    /// in the store when it is an <see cref="IPrivacyTokenStore"/>, and in memory. An older token
    /// never replaces a newer one.
    /// </summary>
    private async Task StorePrivacyTokensAsync(Node node, Jid from)
    {
        var sent = new AttrReader(node).GetOptionalInt64("t");
        foreach (var child in node.GetChild("tokens")?.GetChildren("token") ?? [])
        {
            var reader = new AttrReader(child);
            if (!child.Content.TryGetBytes(out var bytes) || bytes.Length == 0 || reader.GetOptionalString("type") is not (null or "trusted_contact"))
            {
                continue;
            }

            var owner = (reader.GetOptionalJid("jid") ?? from).WithoutDevice();
            var issued = DateTimeOffset.FromUnixTimeSeconds(reader.GetOptionalInt64("t") ?? sent ?? _time.GetUtcNow().ToUnixTimeSeconds());
            if (await GetPrivacyTokenAsync(owner, CancellationToken.None).ConfigureAwait(false) is { } known && known.Timestamp > issued)
            {
                continue;
            }

            var token = new PrivacyToken(bytes.ToArray(), issued);
            if (_store is IPrivacyTokenStore tokens)
            {
                await tokens.StorePrivacyTokenAsync(owner, token).ConfigureAwait(false);
            }

            PrivacyTokens[owner] = token;
        }
    }

    /// <summary>Gets a contact's privacy token from memory or the store, or null.</summary>
    private async Task<PrivacyToken?> GetPrivacyTokenAsync(Jid contact, CancellationToken cancellationToken)
    {
        var user = contact.WithoutDevice();
        if (PrivacyTokens.TryGetValue(user, out var token))
        {
            return token;
        }

        if (_store is IPrivacyTokenStore tokens && await tokens.LoadPrivacyTokenAsync(user, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            PrivacyTokens[user] = stored;
            return stored;
        }

        return null;
    }

    /// <summary>Gets whether a privacy token is known for a contact (for tests).</summary>
    internal bool HasPrivacyToken(Jid contact) => GetPrivacyTokenAsync(contact, CancellationToken.None).GetAwaiter().GetResult() is not null;
}

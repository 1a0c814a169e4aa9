using WaOrleans.Client.Tests.Support;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Store;

namespace WaOrleans.Client.Tests.Client;

/// <summary>
/// Group, picture and privacy-token notifications (PROTOCOL.md §7.7), fed to the client's handler
/// directly: WaSim does not send these yet.
/// </summary>
public sealed class NotificationTests : IAsyncDisposable
{
    private static readonly Jid Group = Jid.Parse("120363000000000001@g.us");
    private static readonly Jid Admin = Jid.Parse("15550107001@s.whatsapp.net");
    private static readonly Jid Member = Jid.Parse("15550107002@s.whatsapp.net");
    private readonly WaClient _client = new(new InMemoryDeviceStore());

    [Fact]
    public async Task A_group_add_and_a_subject_change_raise_one_event_each()
    {
        using var events = new EventRecorder(_client);
        var node = new Node("notification", Attrs(("from", Group), ("participant", Admin), ("type", "w:gp2"), ("id", "1")),
            NodeContent.FromChildren(
                new Node("add", content: NodeContent.FromChildren(new Node("participant", Attrs(("jid", Member))))),
                new Node("subject", Attrs(("subject", "New name")))));

        await _client.HandleChangeNotificationAsync(node);

        var add = await events.NextAsync<GroupChangedEvent>();
        Assert.Equal((Group, (Jid?)Admin, "add"), (add.Group, add.Author, add.Action));
        Assert.Equal([Member], add.Participants);
        var subject = await events.NextAsync<GroupChangedEvent>();
        Assert.Equal(("subject", "New name"), (subject.Action, subject.Subject));
    }

    [Fact]
    public async Task A_picture_removal_and_a_privacy_token_are_taken_in()
    {
        using var events = new EventRecorder(_client);

        await _client.HandleChangeNotificationAsync(new Node("notification", Attrs(("from", Member), ("type", "picture"), ("id", "2")),
            NodeContent.FromChildren(new Node("delete", Attrs(("jid", Member), ("author", Member))))));
        await _client.HandleChangeNotificationAsync(new Node("notification", Attrs(("from", Member), ("type", "privacy_token"), ("id", "3")),
            NodeContent.FromChildren(new Node("tokens", content: NodeContent.FromChildren(
                new Node("token", Attrs(("jid", Member), ("t", "1700000000"), ("type", "trusted_contact")), new byte[] { 1, 2, 3 }))))));

        var picture = await events.NextAsync<ProfilePictureChangedEvent>();
        Assert.Equal(Member, picture.Jid);
        Assert.True(picture.Removed);
        Assert.True(_client.HasPrivacyToken(Member));
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    private static Dictionary<string, AttrValue> Attrs(params (string Key, AttrValue Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
}

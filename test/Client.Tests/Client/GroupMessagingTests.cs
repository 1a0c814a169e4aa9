using WaOrleans.Client.Tests.Support;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Events;

namespace WaOrleans.Client.Tests.Client;

/// <summary>A group of the client's account and two phones: sender keys distributed, every member decrypts every other.</summary>
public sealed class GroupMessagingTests : IAsyncLifetime
{
    private const string Me = "15550102001";
    private const string Bob = "15550102002";
    private const string Carol = "15550102003";
    private SimHarness _sim = null!;

    public async Task InitializeAsync() => _sim = await SimHarness.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task The_client_and_two_phones_decrypt_each_others_group_messages()
    {
        var (client, events, _) = await _sim.PairByQrAsync(Me);
        await _sim.Sim.CreatePhoneAsync(Bob);
        await _sim.Sim.CreatePhoneAsync(Carol);
        var created = await _sim.Sim.PostOkAsync("sim/groups", new { subject = "Team", creator = Bob, participants = new[] { Me, Carol } }, 201);
        var group = Jid.Parse(created!["jid"]!.GetValue<string>());

        var groups = await client.GetGroupsAsync();
        var metadata = Assert.Single(groups);
        Assert.Equal(group, metadata.Jid);
        Assert.Equal("Team", metadata.Subject);
        Assert.Equal(3, metadata.Participants.Count);
        Assert.Contains(metadata.Participants, p => p.PhoneNumber == new Jid(Bob, JidServer.PhoneNumber) && p.IsSuperAdmin);

        // Ours: every phone (ours included) gets the sender key once, then decrypts the skmsg.
        var first = await client.SendMessageAsync(group, MessageBuilder.Text("hello team"));
        var second = await client.SendMessageAsync(group, MessageBuilder.Text("second"));
        foreach (var phone in new[] { Bob, Carol, Me })
        {
            Assert.Equal("hello team", (await _sim.WaitForAsync(phone, m => m["id"]!.GetValue<string>() == first.MessageId && m.Text() is not null)).Text());
            var later = await _sim.WaitForAsync(phone, m => m["id"]!.GetValue<string>() == second.MessageId);
            Assert.Equal("second", later.Text());
            Assert.Equal("skmsg", later["encType"]!.GetValue<string>());
        }

        // Theirs: the phone's sender key arrives in a pkmsg before its skmsg.
        foreach (var (phone, text) in new[] { (Bob, "from bob"), (Carol, "from carol") })
        {
            await _sim.Sim.PostOkAsync($"sim/phones/{phone}/send", new { to = group.ToString(), text });
            var received = await events.NextAsync<MessageReceivedEvent>(e => e.Message.Conversation == text);
            Assert.True(received.IsGroup);
            Assert.Equal(group, received.Chat);
            Assert.Equal(new Jid(phone, JidServer.PhoneNumber), received.SenderPhoneNumber);
            Assert.NotNull(received.SenderLid);
        }
    }

    [Fact]
    public async Task Sending_to_a_group_we_are_not_in_fails_with_the_servers_error()
    {
        var (client, _, _) = await _sim.PairByQrAsync(Me);
        await _sim.Sim.CreatePhoneAsync(Bob);
        var created = await _sim.Sim.PostOkAsync("sim/groups", new { subject = "Private", creator = Bob, participants = Array.Empty<string>() }, 201);

        var error = await Assert.ThrowsAsync<IqException>(() => client.SendMessageAsync(Jid.Parse(created!["jid"]!.GetValue<string>()), MessageBuilder.Text("let me in")));
        Assert.Equal(404, error.Code);
    }
}

using WaOrleans.Client.Tests.Support;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Events;

namespace WaOrleans.Client.Tests.Client;

/// <summary>Poll votes between two WaClients on one WaSim: encrypted by the voter, decrypted by the poll's creator.</summary>
public sealed class PollVoteTests : IAsyncLifetime
{
    private const string Alice = "15550108001";
    private const string Bob = "15550108002";
    private SimHarness _sim = null!;

    public async Task InitializeAsync() => _sim = await SimHarness.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task A_vote_on_a_poll_reaches_its_creator_with_the_selected_option_names()
    {
        var (alice, aliceEvents, _) = await _sim.PairByQrAsync(Alice);
        var (bob, bobEvents, _) = await _sim.PairByQrAsync(Bob);
        var bobJid = new Jid(Bob, JidServer.PhoneNumber);

        var poll = await alice.SendMessageAsync(bobJid, MessageBuilder.Poll("Lunch?", ["pizza", "sushi", "salad"], 0));
        var received = await bobEvents.NextAsync<MessageReceivedEvent>(e => e.Id == poll.MessageId);
        await bob.VotePollAsync(received.Chat, poll.MessageId, ["sushi", "salad"]);

        var vote = await aliceEvents.NextAsync<PollVoteEvent>();
        Assert.Equal(poll.MessageId, vote.PollMessageId);
        Assert.Equal(["sushi", "salad"], vote.SelectedOptions);
        Assert.Contains(vote.Voter.User, new[] { Bob, bob.Credentials!.MeLid!.Value.User });

        // The creator votes too, and the other side decrypts it with the secret it received.
        await alice.VotePollAsync(bobJid, poll.MessageId, ["pizza"]);
        Assert.Equal(["pizza"], (await bobEvents.NextAsync<PollVoteEvent>()).SelectedOptions);
    }

    [Fact]
    public async Task Votes_in_a_group_decrypt_and_the_polls_secret_survives_a_restart_of_its_creator()
    {
        const string Carol = "15550108003";
        var (alice, aliceEvents, aliceStore) = await _sim.PairByQrAsync(Alice);
        var (bob, bobEvents, _) = await _sim.PairByQrAsync(Bob);
        await _sim.Sim.CreatePhoneAsync(Carol);
        var created = await _sim.Sim.PostOkAsync("sim/groups", new { subject = "Lunch club", creator = Carol, participants = new[] { Alice, Bob } }, 201);
        var group = Jid.Parse(created!["jid"]!.GetValue<string>());

        var poll = await alice.SendMessageAsync(group, MessageBuilder.Poll("Where?", ["park", "office"], 1));
        var received = await bobEvents.NextAsync<MessageReceivedEvent>(e => e.Id == poll.MessageId);
        Assert.True(received.IsGroup);
        await bob.VotePollAsync(group, poll.MessageId, ["park"]);
        var vote = await aliceEvents.NextAsync<PollVoteEvent>();
        Assert.Equal(group, vote.Chat);
        Assert.Equal(["park"], vote.SelectedOptions);

        // Alice restarts: a new client on her store still reads votes on her poll.
        await alice.StopAsync();
        var (restarted, events) = _sim.NewClient(aliceStore);
        await restarted.StartAsync();
        await events.NextAsync<ConnectedEvent>();
        // (The first vote may come again first: it is redelivered if the stop beat its ack.)
        await bob.VotePollAsync(group, poll.MessageId, ["office"]);
        var later = await events.NextAsync<PollVoteEvent>(v => v.SelectedOptions.Contains("office"));
        Assert.Equal(poll.MessageId, later.PollMessageId);
        Assert.Equal(["office"], later.SelectedOptions);

        // And she can still vote on it herself: the secret came from the store.
        await restarted.VotePollAsync(group, poll.MessageId, ["park"]);
        Assert.Equal(["park"], (await bobEvents.NextAsync<PollVoteEvent>(v => v.Voter.User != Bob && v.Voter.User != bob.Credentials!.MeLid!.Value.User)).SelectedOptions);
    }
}

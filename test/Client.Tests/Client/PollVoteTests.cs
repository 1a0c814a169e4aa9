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
}

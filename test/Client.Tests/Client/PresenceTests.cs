using WaOrleans.Client.Tests.Support;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Events;

namespace WaOrleans.Client.Tests.Client;

/// <summary>Presence, typing, read receipts and the own profile between two WaClients on one WaSim.</summary>
public sealed class PresenceTests : IAsyncLifetime
{
    private const string Alice = "15550106001";
    private const string Bob = "15550106002";
    private SimHarness _sim = null!;

    public async Task InitializeAsync() => _sim = await SimHarness.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task Presence_and_typing_reach_the_other_client_and_the_profile_names_our_account()
    {
        var (alice, _, _) = await _sim.PairByQrAsync(Alice);
        var (bob, bobEvents, _) = await _sim.PairByQrAsync(Bob);
        var aliceJid = new Jid(Alice, JidServer.PhoneNumber);

        await bob.SubscribePresenceAsync(aliceJid);
        Assert.Equal(aliceJid, (await bobEvents.NextAsync<PresenceEvent>()).From.WithoutDevice());
        await alice.SendPresenceAsync(Availability.Available);
        await bobEvents.NextAsync<PresenceEvent>(p => p.Availability == Availability.Available);
        await alice.SendPresenceAsync(Availability.Unavailable);
        var away = await bobEvents.NextAsync<PresenceEvent>(p => p.Availability == Availability.Unavailable);
        Assert.NotNull(away.LastSeen);

        await alice.SendChatStateAsync(new Jid(Bob, JidServer.PhoneNumber), ChatState.Composing);
        var typing = await bobEvents.NextAsync<ChatStateEvent>();
        Assert.Equal(ChatState.Composing, typing.State);
        Assert.Equal(aliceJid, typing.Chat);
        await alice.SendChatStateAsync(new Jid(Bob, JidServer.PhoneNumber), ChatState.Paused);
        Assert.Equal(ChatState.Paused, (await bobEvents.NextAsync<ChatStateEvent>()).State);

        var profile = alice.GetProfile();
        Assert.Equal(aliceJid, profile.Jid.WithoutDevice());
        Assert.Equal(alice.Credentials!.MeLid, profile.Lid);
    }

    [Fact]
    public async Task A_read_receipt_reaches_the_sender_as_a_read_receipt_event()
    {
        var (alice, aliceEvents, _) = await _sim.PairByQrAsync(Alice);
        var (bob, bobEvents, _) = await _sim.PairByQrAsync(Bob);

        var sent = await alice.SendMessageAsync(new Jid(Bob, JidServer.PhoneNumber), MessageBuilder.Text("read me"));
        var received = await bobEvents.NextAsync<MessageReceivedEvent>(e => e.Id == sent.MessageId);
        await bob.MarkReadAsync(received.Chat, null, [received.Id]);

        var read = await aliceEvents.NextAsync<ReceiptEvent>(r => r.Type == "read");
        Assert.Contains(sent.MessageId, read.MessageIds);
    }
}

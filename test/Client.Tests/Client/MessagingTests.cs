using WaOrleans.Client.Tests.Support;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Signal.Stores;

namespace WaOrleans.Client.Tests.Client;

/// <summary>1:1 messaging between a WaClient and WaSim's phones, which are real Signal peers.</summary>
public sealed class MessagingTests : IAsyncLifetime
{
    private const string Me = "15550101001";
    private const string Peer = "15550101002";
    private SimHarness _sim = null!;

    public async Task InitializeAsync() => _sim = await SimHarness.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task A_text_reaches_the_phone_and_our_own_phone_gets_it_as_a_device_sent_message()
    {
        var (client, _, _) = await _sim.PairByQrAsync(Me);
        await _sim.Sim.CreatePhoneAsync(Peer);

        var sent = await client.SendMessageAsync(PhoneJid(Peer), MessageBuilder.Text("hello phone"));

        Assert.Matches("^3EB0[0-9A-F]{18}$", sent.MessageId);
        var received = await _sim.WaitForAsync(Peer, m => m["id"]!.GetValue<string>() == sent.MessageId);
        Assert.Equal("hello phone", received.Text());
        Assert.Equal("pkmsg", received["encType"]!.GetValue<string>());
        var own = await _sim.WaitForAsync(Me, m => m["id"]!.GetValue<string>() == sent.MessageId);
        Assert.Equal("hello phone", own.Text());
        Assert.Contains("deviceSentMessage", own.Message(), StringComparison.Ordinal);

        // The second message rides the established session.
        var second = await client.SendMessageAsync(PhoneJid(Peer), MessageBuilder.Text("again"));
        Assert.Equal("again", (await _sim.WaitForAsync(Peer, m => m["id"]!.GetValue<string>() == second.MessageId)).Text());
    }

    [Fact]
    public async Task A_phone_text_raises_an_event_with_the_senders_phone_number_and_lid()
    {
        var (client, events, store) = await _sim.PairByQrAsync(Me);
        var peer = await _sim.Sim.CreatePhoneAsync(Peer);

        await _sim.Sim.PostOkAsync($"sim/phones/{Peer}/send", new { to = Me, text = "hi from the phone" });

        var received = await events.NextAsync<MessageReceivedEvent>();
        Assert.Equal("hi from the phone", received.Message.Conversation);
        Assert.Equal(PhoneJid(Peer), received.SenderPhoneNumber);
        Assert.Equal(Jid.Parse(peer["lid"]!.GetValue<string>()).WithoutDevice(), received.SenderLid);
        Assert.False(received.IsGroup);
        Assert.False(received.IsFromMe);
        Assert.Equal(PhoneJid(Peer), await store.Lids.GetPhoneNumberAsync(received.SenderLid!.Value));

        // Answering in the same chat works both ways.
        var reply = await client.SendMessageAsync(received.Chat, MessageBuilder.Text("got it"));
        Assert.Equal("got it", (await _sim.WaitForAsync(Peer, m => m["id"]!.GetValue<string>() == reply.MessageId)).Text());
    }

    [Fact]
    public async Task Every_content_type_arrives_intact_at_the_phone()
    {
        var (client, _, _) = await _sim.PairByQrAsync(Me);
        await _sim.Sim.CreatePhoneAsync(Peer);
        var peer = PhoneJid(Peer);
        var first = await client.SendMessageAsync(peer, MessageBuilder.Text("original"));
        var key = MessageBuilder.Key(peer, first.MessageId, fromMe: true);
        var now = DateTimeOffset.UtcNow;
        (Protocol.Proto.Message Message, string Expect)[] cases =
        [
            (MessageBuilder.TextWithHeaderAndFooter("Head", "Body", "Foot"), "*Head*\\nBody\\n_Foot_"),
            (MessageBuilder.Reply("a reply", first.MessageId, peer, MessageBuilder.Text("original")), first.MessageId),
            (MessageBuilder.Mention("hey @" + Peer, peer), "mentionedJid"),
            (MessageBuilder.Location(52.52, 13.405, "Berlin"), "52.52"),
            (MessageBuilder.Contact("Ann", "BEGIN:VCARD\nFN:Ann\nEND:VCARD"), "FN:Ann"),
            (MessageBuilder.Reaction(key, "👍", now), "reactionMessage"),
            (MessageBuilder.Edit(key, MessageBuilder.Text("edited"), now), "MESSAGE_EDIT"),
            (MessageBuilder.Revoke(key), "REVOKE"),
            (MessageBuilder.Poll("Lunch?", ["Pizza", "Salad"], 1), "Salad"),
        ];
        foreach (var (message, expect) in cases)
        {
            var sent = await client.SendMessageAsync(peer, message);
            var received = await _sim.WaitForAsync(Peer, m => m["id"]!.GetValue<string>() == sent.MessageId);
            Assert.Null(received["error"]?.GetValue<string>());
            Assert.Contains(expect, received.Message(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Sending_to_a_number_not_on_WhatsApp_is_a_typed_error_and_the_number_check_says_so()
    {
        var (client, _, _) = await _sim.PairByQrAsync(Me);
        await _sim.Sim.CreatePhoneAsync(Peer);

        await Assert.ThrowsAsync<NotOnWhatsAppException>(() => client.SendMessageAsync(PhoneJid("15559999999"), MessageBuilder.Text("anyone?")));
        var check = await client.IsOnWhatsAppAsync(["+" + Peer, "15559999999"]);
        Assert.True(Assert.Single(check, r => r.Phone == Peer).IsOnWhatsApp);
        Assert.NotNull(check.Single(r => r.Phone == Peer).Lid);
        Assert.False(Assert.Single(check, r => r.Phone == "15559999999").IsOnWhatsApp);
    }

    [Fact]
    public async Task Messages_sent_while_the_client_is_stopped_arrive_once_each_after_it_starts()
    {
        var (client, events, _) = await _sim.PairByQrAsync(Me);
        await _sim.Sim.CreatePhoneAsync(Peer);
        await client.StopAsync();

        foreach (var text in new[] { "one", "two", "three" })
        {
            await _sim.Sim.PostOkAsync($"sim/phones/{Peer}/send", new { to = Me, text });
        }

        await client.StartAsync();
        var texts = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var received = await events.NextAsync<MessageReceivedEvent>();
            Assert.True(received.IsOffline);
            texts.Add(received.Message.Conversation);
        }

        Assert.Equal(["one", "two", "three"], texts);
        // A reconnect must not bring any of them again: they were acked.
        await _sim.FaultAsync(client.Credentials!.Me!.Value.ToString(), "close");
        await events.NextAsync<ConnectedEvent>();
        await Task.Delay(300);
        Assert.Equal(3, events.All.OfType<MessageReceivedEvent>().Count());
    }

    [Fact]
    public async Task A_message_whose_handler_throws_is_not_acked_and_comes_again_after_a_reconnect()
    {
        var (client, events, store) = await _sim.PairByQrAsync(Me);
        await _sim.Sim.CreatePhoneAsync(Peer);
        var failures = 1;
        using var failing = client.AddEventHandler((evt, _) =>
            evt is MessageReceivedEvent && Interlocked.Decrement(ref failures) >= 0 ? throw new InvalidOperationException("consumer down") : ValueTask.CompletedTask);

        await _sim.Sim.PostOkAsync($"sim/phones/{Peer}/send", new { to = Me, text = "keep me" });
        var first = await events.NextAsync<MessageReceivedEvent>();
        await _sim.FaultAsync(client.Credentials!.Me!.Value.ToString(), "close");

        var again = await events.NextAsync<MessageReceivedEvent>();
        Assert.Equal(first.Id, again.Id);
        Assert.Equal("keep me", again.Message.Conversation);
        Assert.True(again.IsOffline);

        // Acked this time (the event comes before the ack, so wait for it): one more reconnect brings nothing.
        var pending = (IPendingInboundStore)await store.OpenSignalStoreAsync(client.Credentials!);
        for (var wait = 0; (await pending.ListPendingInboundAsync()).Count > 0; wait++)
        {
            Assert.True(wait < 200, "the redelivered message was not acked");
            await Task.Delay(50);
        }

        await _sim.FaultAsync(client.Credentials!.Me!.Value.ToString(), "close");
        await events.NextAsync<ConnectedEvent>();
        await Task.Delay(300);
        Assert.Equal(2, events.All.OfType<MessageReceivedEvent>().Count());
    }

    private static Jid PhoneJid(string phone) => new(phone, JidServer.PhoneNumber);
}

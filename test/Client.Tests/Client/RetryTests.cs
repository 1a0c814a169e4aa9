using System.Text.Json.Nodes;
using WaOrleans.Client.Tests.Support;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Signal;

namespace WaOrleans.Client.Tests.Client;

/// <summary>
/// Retry receipts with key bundles (PROTOCOL.md §7.5) between a WaClient and WaSim's phones: a side
/// that lost its session sends its keys in the retry receipt, and the other side builds a new
/// session from them, without asking the server for a bundle, and resends.
/// </summary>
public sealed class RetryTests : IAsyncLifetime
{
    private const string Me = "15550111001";
    private const string Peer = "15550111002";
    private SimHarness _sim = null!;

    public async Task InitializeAsync() => _sim = await SimHarness.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task When_the_phone_lost_its_session_its_retry_carries_keys_and_we_resend_over_a_session_built_from_them()
    {
        var (client, events, _) = await _sim.PairByQrAsync(Me);
        var peer = await _sim.Sim.CreatePhoneAsync(Peer);
        var first = await client.SendMessageAsync(PhoneJid(Peer), MessageBuilder.Text("first"));
        await _sim.WaitForAsync(Peer, m => Id(m) == first.MessageId && m.Text() == "first");
        // The phone answers, so our side of the session is confirmed and we send plain msgs.
        await _sim.Sim.PostOkAsync($"sim/phones/{Peer}/send", new { to = Me, text = "answer" });
        await events.NextAsync<MessageReceivedEvent>(e => e.Message.Conversation == "answer");
        var bundlesBefore = (await _sim.PhoneAsync(Peer))["bundlesServed"]!.GetValue<int>();

        // The phone forgets our device: our next message is a msg it has no session for.
        await _sim.Sim.PostOkAsync($"sim/phones/{Peer}/forget-session", new { jid = client.Credentials!.MeLid!.Value.ToString() }, 204);
        var second = await client.SendMessageAsync(PhoneJid(Peer), MessageBuilder.Text("after the phone lost us"));

        var retry = await events.NextAsync<ReceiptEvent>(r => r.Type == "retry" && r.MessageIds.Contains(second.MessageId));
        Assert.Equal(Jid.Parse(peer["lid"]!.GetValue<string>()).WithoutDevice(), retry.Sender);
        var failed = await _sim.WaitForAsync(Peer, m => Id(m) == second.MessageId && m["error"] is not null);
        Assert.Equal("msg", failed["encType"]!.GetValue<string>());
        var repaired = await _sim.WaitForAsync(Peer, m => Id(m) == second.MessageId && m["error"] is null);
        Assert.Equal("after the phone lost us", repaired.Text());
        Assert.Equal("pkmsg", repaired["encType"]!.GetValue<string>());

        // The session came from the keys in the receipt: no bundle of the phone was fetched.
        Assert.Equal(bundlesBefore, (await _sim.PhoneAsync(Peer))["bundlesServed"]!.GetValue<int>());

        // And it is a working session: the next message rides it.
        var third = await client.SendMessageAsync(PhoneJid(Peer), MessageBuilder.Text("third"));
        Assert.Equal("third", (await _sim.WaitForAsync(Peer, m => Id(m) == third.MessageId && m["error"] is null)).Text());
    }

    [Fact]
    public async Task When_we_lost_our_session_our_retry_carries_keys_and_the_phone_resends_over_them()
    {
        var (client, events, store) = await _sim.PairByQrAsync(Me);
        var peer = await _sim.Sim.CreatePhoneAsync(Peer);
        await _sim.Sim.PostOkAsync($"sim/phones/{Peer}/send", new { to = Me, text = "hello" });
        await events.NextAsync<MessageReceivedEvent>(e => e.Message.Conversation == "hello");
        // We answer, so the phone's side of the session is confirmed and it sends plain msgs.
        var answer = await client.SendMessageAsync(PhoneJid(Peer), MessageBuilder.Text("answer"));
        await _sim.WaitForAsync(Peer, m => Id(m) == answer.MessageId && m["error"] is null);
        var ourServerPreKeys = await OurServerPreKeysAsync();

        // We lose the session with the phone: its next message is a msg we cannot decrypt.
        var peerLid = Jid.Parse(peer["lid"]!.GetValue<string>());
        var signal = await store.OpenSignalStoreAsync(client.Credentials!);
        await signal.DeleteSessionAsync(SignalAddress.ForUser(peerLid.User, SignalUserDomain.Lid, new DeviceId(0)));
        await signal.DeleteSessionAsync(SignalAddress.ForUser(Peer, SignalUserDomain.WhatsApp, new DeviceId(0)));
        var sent = await _sim.Sim.PostOkAsync($"sim/phones/{Peer}/send", new { to = Me, text = "after we lost the phone" });
        var id = sent!["id"]!.GetValue<string>();

        await events.NextAsync<UndecryptableMessageEvent>(e => e.Id == id);
        var received = await events.NextAsync<MessageReceivedEvent>(e => e.Id == id);
        Assert.Equal("after we lost the phone", received.Message.Conversation);

        // The first retry already carried our keys (we had no session), and the phone used them:
        // none of the prekeys we uploaded to the server was handed out for it.
        var inbox = await _sim.Sim.GetJsonAsync($"sim/phones/{Peer}/inbox");
        var retries = inbox["receipts"]!.AsArray().Where(r => r!["id"]!.GetValue<string>() == id && r["type"]!.GetValue<string>() == "retry").ToList();
        Assert.Single(retries);
        Assert.True(retries[0]!["withKeys"]!.GetValue<bool>());
        Assert.Equal(ourServerPreKeys, await OurServerPreKeysAsync());
    }

    [Fact]
    public async Task When_our_session_is_stale_the_first_retry_has_no_keys_and_the_second_carries_them_and_repairs_it()
    {
        var (client, events, store) = await _sim.PairByQrAsync(Me);
        var peer = await _sim.Sim.CreatePhoneAsync(Peer);
        var address = SignalAddress.ForUser(Jid.Parse(peer["lid"]!.GetValue<string>()).User, SignalUserDomain.Lid, new DeviceId(0));
        var signal = await store.OpenSignalStoreAsync(client.Credentials!);
        await _sim.Sim.PostOkAsync($"sim/phones/{Peer}/send", new { to = Me, text = "hello" });
        await events.NextAsync<MessageReceivedEvent>(e => e.Message.Conversation == "hello");
        var answer = await client.SendMessageAsync(PhoneJid(Peer), MessageBuilder.Text("answer"));
        await _sim.WaitForAsync(Peer, m => Id(m) == answer.MessageId && m["error"] is null);
        var stale = await signal.LoadSessionAsync(address);
        Assert.NotNull(stale);

        // The conversation moves on, so both sides turn their ratchets past the copy …
        await _sim.Sim.PostOkAsync($"sim/phones/{Peer}/send", new { to = Me, text = "second" });
        await events.NextAsync<MessageReceivedEvent>(e => e.Message.Conversation == "second");
        var again = await client.SendMessageAsync(PhoneJid(Peer), MessageBuilder.Text("answer again"));
        await _sim.WaitForAsync(Peer, m => Id(m) == again.MessageId && m["error"] is null);
        await _sim.Sim.PostOkAsync($"sim/phones/{Peer}/send", new { to = Me, text = "third" });
        await events.NextAsync<MessageReceivedEvent>(e => e.Message.Conversation == "third");

        // … and we go back to it (a restored backup): we still have a session, but not the phone's.
        await signal.StoreSessionAsync(address, stale);
        var sent = await _sim.Sim.PostOkAsync($"sim/phones/{Peer}/send", new { to = Me, text = "after the rollback" });
        var id = sent!["id"]!.GetValue<string>();

        await events.NextAsync<UndecryptableMessageEvent>(e => e.Id == id);
        var received = await events.NextAsync<MessageReceivedEvent>(e => e.Id == id);
        Assert.Equal("after the rollback", received.Message.Conversation);

        // The first retry asked for the message again over the session (the phone resent it, still
        // undecryptable); the second carried our keys, and the phone's new session from them worked.
        var inbox = await _sim.Sim.GetJsonAsync($"sim/phones/{Peer}/inbox");
        var retries = inbox["receipts"]!.AsArray().Where(r => r!["id"]!.GetValue<string>() == id && r["type"]!.GetValue<string>() == "retry").ToList();
        Assert.Equal([false, true], retries.Select(r => r!["withKeys"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task A_message_that_stays_undecryptable_is_resent_by_our_own_phone()
    {
        var (_, events, peerLid) = await LoseThePeerWhoseRetriesGoUnansweredAsync();
        var sent = await _sim.Sim.PostOkAsync($"sim/phones/{Peer}/send", new { to = Me, text = "only the phone has it" });
        var id = sent!["id"]!.GetValue<string>();

        await events.NextAsync<UndecryptableMessageEvent>(e => e.Id == id);
        var recovered = await events.NextAsync<MessageReceivedEvent>(e => e.Id == id);
        Assert.Equal("only the phone has it", recovered.Message.Conversation);
        Assert.NotNull(recovered.RecoveredByRequestId);
        Assert.Equal(peerLid.WithoutDevice(), recovered.Chat.WithoutDevice());
        Assert.Equal(PhoneJid(Peer), recovered.SenderPhoneNumber);
        Assert.False(recovered.IsFromMe);

        // Our phone decrypted the request: a placeholder resend for exactly that message.
        var request = await _sim.WaitForAsync(Me, m => m.Message().Contains("placeholderMessageResendRequest", StringComparison.Ordinal));
        Assert.Contains(id, request.Message(), StringComparison.Ordinal);
        Assert.Equal(recovered.RecoveredByRequestId, Id(request));
    }

    [Fact]
    public async Task A_poll_recovered_from_our_own_phone_is_remembered_so_we_can_vote_on_it()
    {
        var (client, events, _) = await LoseThePeerWhoseRetriesGoUnansweredAsync();
        var sent = await _sim.Sim.PostOkAsync($"sim/phones/{Peer}/send", new { to = Me, kind = "poll", name = "Lunch?", options = new[] { "pizza", "sushi" } });
        var id = sent!["id"]!.GetValue<string>();
        var recovered = await events.NextAsync<MessageReceivedEvent>(e => e.Id == id);
        Assert.NotNull(recovered.RecoveredByRequestId);
        Assert.Equal("Lunch?", recovered.Message.PollCreationMessage?.Name ?? recovered.Message.PollCreationMessageV3?.Name);

        // Its secret was kept: a vote can be encrypted for it (an unknown poll is refused).
        var vote = await client.VotePollAsync(recovered.Chat, id, ["sushi"]);
        var received = await _sim.WaitForAsync(Peer, m => Id(m) == vote.MessageId && m["error"] is null);
        Assert.Contains("pollUpdateMessage", received.Message(), StringComparison.Ordinal);
        Assert.Contains(id, received.Message(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Pairs us with a fast placeholder resend, exchanges a message each way with the peer phone,
    /// then we lose the session and the phone ignores retry receipts (it went offline): only our own
    /// phone, which gets every message too, can give us what the peer sends next.
    /// </summary>
    private async Task<(WaClient Client, EventRecorder Events, Jid PeerLid)> LoseThePeerWhoseRetriesGoUnansweredAsync()
    {
        var options = _sim.Options() with { PlaceholderResendDelay = TimeSpan.FromMilliseconds(200) };
        var (client, events, store) = await _sim.PairByQrAsync(Me, options);
        var peer = await _sim.Sim.CreatePhoneAsync(Peer);
        await _sim.Sim.PostOkAsync($"sim/phones/{Peer}/send", new { to = Me, text = "hello" });
        await events.NextAsync<MessageReceivedEvent>(e => e.Message.Conversation == "hello");
        var answer = await client.SendMessageAsync(PhoneJid(Peer), MessageBuilder.Text("answer"));
        await _sim.WaitForAsync(Peer, m => Id(m) == answer.MessageId && m["error"] is null);

        var peerLid = Jid.Parse(peer["lid"]!.GetValue<string>());
        var signal = await store.OpenSignalStoreAsync(client.Credentials!);
        await signal.DeleteSessionAsync(SignalAddress.ForUser(peerLid.User, SignalUserDomain.Lid, new DeviceId(0)));
        await _sim.Sim.PostOkAsync($"sim/phones/{Peer}/retries", new { answer = false }, 204);
        return (client, events, peerLid);
    }

    private async Task<int> OurServerPreKeysAsync() =>
        (await _sim.PhoneAsync(Me))["devices"]!.AsArray().Single()!["preKeys"]!.GetValue<int>();

    private static string Id(JsonNode entry) => entry["id"]!.GetValue<string>();

    private static Jid PhoneJid(string phone) => new(phone, JidServer.PhoneNumber);
}

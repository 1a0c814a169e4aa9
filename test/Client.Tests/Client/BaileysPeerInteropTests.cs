using System.Security.Cryptography;
using WaOrleans.Client.Tests.Support;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Media;
using WaOrleans.Protocol.Store;
using WaOrleans.Protocol.Tests.Support;

namespace WaOrleans.Client.Tests.Client;

/// <summary>A WaClient and a real Baileys rc14 client, both linked on WaSim, each decrypting what the other sends.</summary>
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class BaileysPeerInteropTests(InteropHarness harness) : IAsyncLifetime
{
    private const string Me = "15550105001";
    private const string Them = "15550105002";
    private const string Phone = "15550105003";
    private SimHarness _sim = null!;

    public async Task InitializeAsync() => _sim = await SimHarness.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task Every_content_type_goes_both_ways_one_to_one()
    {
        var (client, events, _) = await _sim.PairByQrAsync(Me);
        await using var baileys = await BaileysPeer.LinkAsync(harness, _sim.Server, _sim.Sim, Them);
        var them = new Jid(Them, JidServer.PhoneNumber);
        var meJid = Me + "@s.whatsapp.net";

        // Baileys → WaClient: text, then a reply, reaction, location, contact, poll and image.
        var textId = await baileys.SendAsync(meJid, new { content = new { text = "hello from baileys" } });
        var text = await events.NextAsync<MessageReceivedEvent>(e => e.Id == textId);
        Assert.Equal("hello from baileys", text.Message.Conversation.Length > 0 ? text.Message.Conversation : text.Message.ExtendedTextMessage.Text);
        Assert.Equal(them, text.SenderPhoneNumber);

        var ours = await client.SendMessageAsync(them, MessageBuilder.Text("hello from waclient"));
        Assert.Equal("hello from waclient", (await baileys.WaitForMessageAsync(ours.MessageId))["text"]!.GetValue<string>());

        var replyId = await baileys.SendAsync(meJid, new { content = new { text = "a reply" }, quotedId = ours.MessageId });
        var reply = await events.NextAsync<MessageReceivedEvent>(e => e.Id == replyId);
        Assert.Equal(ours.MessageId, reply.Message.ExtendedTextMessage.ContextInfo.StanzaId);

        var reactId = await baileys.SendAsync(meJid, new { reactTo = ours.MessageId, emoji = "👍" });
        var react = await events.NextAsync<MessageReceivedEvent>(e => e.Id == reactId);
        Assert.Equal(("👍", ours.MessageId), (react.Message.ReactionMessage.Text, react.Message.ReactionMessage.Key.Id));

        var locationId = await baileys.SendAsync(meJid, new { content = new { location = new { degreesLatitude = 48.85, degreesLongitude = 2.35 } } });
        Assert.Equal(48.85, (await events.NextAsync<MessageReceivedEvent>(e => e.Id == locationId)).Message.LocationMessage.DegreesLatitude);

        var vcard = "BEGIN:VCARD\nVERSION:3.0\nFN:Ann\nTEL;type=CELL;waid=15550000001:+15550000001\nEND:VCARD";
        var contactId = await baileys.SendAsync(meJid, new { content = new { contacts = new { displayName = "Ann", contacts = new[] { new { vcard } } } } });
        Assert.Equal(vcard, (await events.NextAsync<MessageReceivedEvent>(e => e.Id == contactId)).Message.ContactMessage.Vcard);

        var pollId = await baileys.SendAsync(meJid, new { content = new { poll = new { name = "Lunch?", values = new[] { "Pizza", "Salad" }, selectableCount = 2 } } });
        var poll = (await events.NextAsync<MessageReceivedEvent>(e => e.Id == pollId)).Message;
        var creation = poll.PollCreationMessage ?? poll.PollCreationMessageV3;
        Assert.Equal(["Pizza", "Salad"], creation.Options.Select(o => o.OptionName));

        var image = RandomNumberGenerator.GetBytes(40_001);
        var imageId = await baileys.SendAsync(meJid, new { content = new { caption = "baileys photo" }, imageBase64 = Convert.ToBase64String(image) });
        var received = await events.NextAsync<MessageReceivedEvent>(e => e.Id == imageId);
        Assert.Equal("baileys photo", received.Message.ImageMessage.Caption);
        await using (var plaintext = await client.DownloadMediaAsync(received.Message))
        {
            using var copy = new MemoryStream();
            await plaintext.CopyToAsync(copy);
            Assert.Equal(image, copy.ToArray());
        }

        // WaClient → Baileys: the same kinds.
        var quoted = MessageBuilder.Reply("our reply", textId, them, MessageBuilder.Text("hello from baileys"));
        Assert.Equal(textId, (await baileys.WaitForMessageAsync((await client.SendMessageAsync(them, quoted)).MessageId))["quotedId"]!.GetValue<string>());

        var reaction = await client.SendMessageAsync(them, MessageBuilder.Reaction(MessageBuilder.Key(them, textId, fromMe: false), "🎉", DateTimeOffset.UtcNow));
        var gotReaction = await baileys.WaitForMessageAsync(reaction.MessageId);
        Assert.Equal("🎉", gotReaction["reaction"]!["text"]!.GetValue<string>());
        Assert.Equal(textId, gotReaction["reaction"]!["id"]!.GetValue<string>());

        var location = await client.SendMessageAsync(them, MessageBuilder.Location(52.52, 13.405, "Berlin"));
        Assert.Equal(13.405, (await baileys.WaitForMessageAsync(location.MessageId))["location"]!["longitude"]!.GetValue<double>());

        var contact = await client.SendMessageAsync(them, MessageBuilder.Contact("Ann", vcard));
        Assert.Equal("Ann", (await baileys.WaitForMessageAsync(contact.MessageId))["contact"]!["displayName"]!.GetValue<string>());

        var ourPoll = await client.SendMessageAsync(them, MessageBuilder.Poll("Dinner?", ["Soup", "Stew"], 1));
        var gotPoll = (await baileys.WaitForMessageAsync(ourPoll.MessageId))["poll"]!;
        Assert.Equal("Dinner?", gotPoll["name"]!.GetValue<string>());
        Assert.True(gotPoll["hasSecret"]!.GetValue<bool>());

        var ourImage = RandomNumberGenerator.GetBytes(60_013);
        var sentImage = await client.SendMediaAsync(them, new MemoryStream(ourImage), MediaType.Image, m => MessageBuilder.Image(m, caption: "waclient photo"));
        Assert.Equal("waclient photo", (await baileys.WaitForMessageAsync(sentImage.MessageId))["caption"]!.GetValue<string>());
        Assert.Equal(ourImage, await baileys.DownloadAsync(sentImage.MessageId));
    }

    [Fact]
    public async Task Poll_votes_built_by_each_side_decrypt_on_the_other()
    {
        var (client, events, _) = await _sim.PairByQrAsync(Me);
        await using var baileys = await BaileysPeer.LinkAsync(harness, _sim.Server, _sim.Sim, Them);
        var them = new Jid(Them, JidServer.PhoneNumber);
        var meJid = Me + "@s.whatsapp.net";

        // Baileys' poll, Baileys' vote: decrypted by the WaClient as a PollVoteEvent.
        var theirPoll = await baileys.SendAsync(meJid, new { content = new { poll = new { name = "Lunch?", values = new[] { "Pizza", "Salad", "Soup" }, selectableCount = 2 } } });
        await events.NextAsync<MessageReceivedEvent>(e => e.Id == theirPoll);
        await baileys.VoteAsync(meJid, theirPoll, ["Salad", "Soup"]);
        var theirVote = await events.NextAsync<PollVoteEvent>(v => v.PollMessageId == theirPoll);
        Assert.Equal(["Salad", "Soup"], theirVote.SelectedOptions);

        // Our vote on their poll: decrypted by Baileys' decryptPollVote.
        var ourVoteOnTheirs = await client.VotePollAsync(them, theirPoll, ["Pizza"]);
        await baileys.WaitForMessageAsync(ourVoteOnTheirs.MessageId);
        Assert.Equal(["Pizza"], await baileys.DecryptVoteAsync(theirPoll, ourVoteOnTheirs.MessageId));

        // Our poll: Baileys votes on it, and our vote on it decrypts in Baileys too.
        var ourPoll = await client.SendMessageAsync(them, MessageBuilder.Poll("Dinner?", ["Soup", "Stew"], 1));
        await baileys.WaitForMessageAsync(ourPoll.MessageId);
        await baileys.VoteAsync(meJid, ourPoll.MessageId, ["Stew"]);
        Assert.Equal(["Stew"], (await events.NextAsync<PollVoteEvent>(v => v.PollMessageId == ourPoll.MessageId)).SelectedOptions);
        var ourVoteOnOurs = await client.VotePollAsync(them, ourPoll.MessageId, ["Soup"]);
        await baileys.WaitForMessageAsync(ourVoteOnOurs.MessageId);
        Assert.Equal(["Soup"], await baileys.DecryptVoteAsync(ourPoll.MessageId, ourVoteOnOurs.MessageId));
    }

    [Fact]
    public async Task A_Baileys_auth_folder_imported_into_a_store_logs_in_without_a_scan_and_messages_flow()
    {
        string auth;
        await _sim.Sim.CreatePhoneAsync(Phone);
        await using (var baileys = await BaileysPeer.LinkAsync(harness, _sim.Server, _sim.Sim, Them))
        {
            auth = baileys.Auth;

            // The phone opens a session with Baileys, spending one of its prekeys, which Baileys then deletes.
            await _sim.Sim.PostOkAsync($"sim/phones/{Phone}/send", new { to = Them, text = "before the move" });
            await baileys.WaitForAsync("message");
        }

        var store = new InMemoryDeviceStore();
        var imported = await BaileysAuthImport.ImportAsync(auth, store);
        Assert.Equal(new Jid(Them, JidServer.PhoneNumber), imported.Me!.Value.WithoutDevice());
        Assert.NotNull(imported.MeLid);
        var signal = await store.OpenSignalStoreAsync(imported);
        Assert.NotNull(await signal.LoadPreKeyAsync(new Protocol.Signal.PreKeyId(imported.FirstUnuploadedPreKeyId - 1)));
        Assert.Equal(new Jid(Them, JidServer.PhoneNumber), await store.Lids.GetPhoneNumberAsync(imported.MeLid!.Value.WithoutDevice()));
        var (client, events) = _sim.NewClient(store);
        await client.StartAsync();
        await events.NextAsync<ConnectedEvent>();
        Assert.DoesNotContain(events.All, e => e is QrCodeEvent);

        // The phone's next pkmsg names the spent prekey, so only the imported session decrypts it; our answer rides that session as a msg.
        await _sim.Sim.PostOkAsync($"sim/phones/{Phone}/send", new { to = Them, text = "still linked?" });
        var received = await events.NextAsync<MessageReceivedEvent>(e => e.Message.Conversation == "still linked?");
        Assert.DoesNotContain(events.All, e => e is UndecryptableMessageEvent);
        var reply = await client.SendMessageAsync(received.Chat, MessageBuilder.Text("yes, no rescan"));
        var atPhone = await _sim.WaitForAsync(Phone, m => m["id"]!.GetValue<string>() == reply.MessageId);
        Assert.True("yes, no rescan" == atPhone.Text(), atPhone.ToJsonString());
        Assert.Equal("msg", atPhone["encType"]!.GetValue<string>());
    }

    [Fact]
    public async Task Text_goes_both_ways_in_a_group_with_a_simulated_phone()
    {
        var (client, events, _) = await _sim.PairByQrAsync(Me);
        await using var baileys = await BaileysPeer.LinkAsync(harness, _sim.Server, _sim.Sim, Them);
        await _sim.Sim.CreatePhoneAsync(Phone);
        var created = await _sim.Sim.PostOkAsync("sim/groups", new { subject = "Mixed", creator = Phone, participants = new[] { Me, Them } }, 201);
        var group = created!["jid"]!.GetValue<string>();

        var fromBaileys = await baileys.SendAsync(group, new { content = new { text = "hi group from baileys" } });
        var received = await events.NextAsync<MessageReceivedEvent>(e => e.Id == fromBaileys);
        Assert.True(received.IsGroup);
        Assert.Equal(Jid.Parse(group), received.Chat);
        Assert.Equal("hi group from baileys", received.Message.Conversation.Length > 0 ? received.Message.Conversation : received.Message.ExtendedTextMessage.Text);
        Assert.Equal("hi group from baileys", (await _sim.WaitForAsync(Phone, m => m["id"]!.GetValue<string>() == fromBaileys)).Text());

        var ours = await client.SendMessageAsync(Jid.Parse(group), MessageBuilder.Text("hi group from waclient"));
        var atBaileys = await baileys.WaitForMessageAsync(ours.MessageId);
        Assert.Equal("hi group from waclient", atBaileys["text"]!.GetValue<string>());
        Assert.Equal(group, atBaileys["chat"]!.GetValue<string>());
        Assert.Equal("hi group from waclient", (await _sim.WaitForAsync(Phone, m => m["id"]!.GetValue<string>() == ours.MessageId)).Text());

        await _sim.Sim.PostOkAsync($"sim/phones/{Phone}/send", new { to = group, text = "hi from the phone" });
        var fromPhone = await events.NextAsync<MessageReceivedEvent>(e => e.Message.Conversation == "hi from the phone");
        Assert.Equal(Jid.Parse(group), fromPhone.Chat);
        var phoneAtBaileys = await baileys.WaitForMessageAsync(fromPhone.Id);
        Assert.Equal("hi from the phone", phoneAtBaileys["text"]!.GetValue<string>());
    }
}

using System.Text.Json.Nodes;
using WaOrleans.Protocol.Tests.Support;
using WaOrleans.Simulator.Tests.Support;

namespace WaOrleans.Simulator.Tests;

/// <summary>The proof for messaging: real Baileys clients and simulated phones exchange 1:1, group and media messages through WaSim.</summary>
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class BaileysMessagingTests(InteropHarness harness) : BaileysTestBase(harness)
{
    [Fact]
    public async Task Two_Baileys_clients_on_two_accounts_message_each_other_through_WaSim()
    {
        await Sim.CreatePhoneAsync("15550707070", "Erin");
        await Sim.CreatePhoneAsync("15550808080", "Frank");
        var erinAuth = await PairAsync("15550707070");
        var frankAuth = await PairAsync("15550808080");
        await using var erin = await BaileysClient.StartAsync(Harness, Server, erinAuth);
        await using var frank = await BaileysClient.StartAsync(Harness, Server, frankAuth);
        await erin.WaitForOpenAsync();
        await frank.WaitForOpenAsync();

        var id = await erin.SendTextAsync("15550808080@s.whatsapp.net", "hello Frank");
        var received = await WaitForMessageAsync(frank, id);
        Assert.Equal("hello Frank", received["text"]!.GetValue<string>());
        Assert.False(received["fromMe"]!.GetValue<bool>());

        // Baileys' delivery receipt is type "inactive" while it is not marked online, which changes
        // no status; a read receipt does, so it shows that receipts reach the sender.
        await frank.ReadAsync(received["chat"]!.GetValue<string>(), id);
        var read = await erin.WaitForAsync("status");
        Assert.True(read["type"]!.GetValue<string>() == "status" && read["id"]!.GetValue<string>() == id, read.ToJsonString());
        Assert.Equal(ReadStatus, read["status"]!.GetValue<int>());

        var reply = await frank.SendTextAsync(received["chat"]!.GetValue<string>(), "hi Erin");
        Assert.Equal("hi Erin", (await WaitForMessageAsync(erin, reply))["text"]!.GetValue<string>());

        await frank.DisposeAsync();
        var whileAway = await erin.SendTextAsync("15550808080@s.whatsapp.net", "are you there?");
        await using var frankAgain = await BaileysClient.StartAsync(Harness, Server, frankAuth);
        Assert.Equal("are you there?", (await WaitForMessageAsync(frankAgain, whileAway))["text"]!.GetValue<string>());

        // Both phones are Signal peers too: Frank's decrypts the message, Erin's its DeviceSentMessage copy.
        var frankPhone = await InboxEntryAsync("15550808080", id);
        Assert.Equal("hello Frank", frankPhone["text"]!.GetValue<string>());
        var erinPhone = await InboxEntryAsync("15550707070", id);
        Assert.Equal("hello Frank", erinPhone["text"]!.GetValue<string>());
        Assert.Contains("deviceSentMessage", erinPhone["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Baileys_clients_see_presence_and_typing_and_a_nacked_message_fails()
    {
        await Sim.CreatePhoneAsync("15554444444", "Lou");
        await Sim.CreatePhoneAsync("15555555555", "Max");
        var louAuth = await PairAsync("15554444444");
        var maxAuth = await PairAsync("15555555555");
        await using var lou = await BaileysClient.StartAsync(Harness, Server, louAuth);
        await using var max = await BaileysClient.StartAsync(Harness, Server, maxAuth);
        await lou.WaitForOpenAsync();
        await max.WaitForOpenAsync();

        await lou.SubscribePresenceAsync("15555555555@s.whatsapp.net");
        var initial = await lou.WaitForAsync("presence");
        Assert.Equal("unavailable", initial["presence"]!.GetValue<string>());

        Assert.Equal("15555555555@s.whatsapp.net", initial["chat"]!.GetValue<string>());

        // Baileys only announces "available" once it knows its push name (from app-state sync,
        // which WaSim does not model), so typing is what a second client can show here.
        await max.SendPresenceAsync("composing", "15554444444@s.whatsapp.net");
        var typing = await lou.WaitForAsync("presence");
        Assert.Equal("composing", typing["presence"]!.GetValue<string>());

        // Baileys may send peer stanzas of its own at any time; nack a few so the text is surely among them.
        await Sim.PostOkAsync("sim/devices/15555555555:1@s.whatsapp.net/fault", new { kind = "nack", count = 5 }, 204);
        // The nack comes a little late, as on a loaded machine: inside the 100 ms in which Baileys
        // buffers the upsert of its own message, where the error status is folded into that upsert
        // instead of being emitted as an update (the harness reports both).
        await Sim.PostOkAsync("sim/devices/15555555555:1@s.whatsapp.net/fault", new { kind = "delay", delayMs = NackLateMs }, 204);
        var refused = await max.SendTextAsync("15554444444@s.whatsapp.net", "this one is nacked");
        // A nacked peer stanza of Baileys' own has a status too: wait for the text's.
        var status = await WaitForStatusAsync(max, refused);
        Assert.Equal(ErrorStatus, status["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_simulated_phone_and_Baileys_exchange_texts_and_receipts()
    {
        await Sim.CreatePhoneAsync("15550909090", "Gina");
        await Sim.CreatePhoneAsync("15551010101", "Hank");
        var auth = await PairAsync("15550909090");
        await using var gina = await BaileysClient.StartAsync(Harness, Server, auth);
        await gina.WaitForOpenAsync();

        var sent = await Sim.PostOkAsync("sim/phones/15551010101/send", new { to = "15550909090", text = "hi from Hank's phone" });
        var id = sent!["id"]!.GetValue<string>();
        var received = await WaitForMessageAsync(gina, id);
        Assert.Equal("hi from Hank's phone", received["text"]!.GetValue<string>());

        var second = (await Sim.PostOkAsync("sim/phones/15551010101/send", new { to = "15550909090", text = "second" }))!["id"]!.GetValue<string>();
        Assert.Equal("second", (await WaitForMessageAsync(gina, second))["text"]!.GetValue<string>());

        await gina.ReadAsync(received["chat"]!.GetValue<string>(), id);
        var reply = await gina.SendTextAsync(received["chat"]!.GetValue<string>(), "hello Hank");
        var entry = await InboxEntryAsync("15551010101", reply);
        Assert.Equal("hello Hank", entry["text"]!.GetValue<string>());
        Assert.Null(entry["error"]);

        var image = new byte[20_000];
        Random.Shared.NextBytes(image);
        var imageId = await gina.SendImageAsync(received["chat"]!.GetValue<string>(), image, "a picture");
        var imageEntry = await InboxEntryAsync("15551010101", imageId);
        Assert.Equal("a picture", imageEntry["text"]!.GetValue<string>());
        Assert.True(imageEntry["media"]!["verified"]!.GetValue<bool>(), imageEntry.ToJsonString());
        Assert.Equal(image.Length, imageEntry["media"]!["size"]!.GetValue<int>());

        var inbox = JsonNode.Parse(await (await Sim.GetAsync("sim/phones/15551010101/inbox")).Content.ReadAsStringAsync())!;
        Assert.Contains(inbox["receipts"]!.AsArray(), r => r!["id"]!.GetValue<string>() == id && r["type"]!.GetValue<string>() == "read");
    }

    [Fact]
    public async Task A_message_reaches_the_senders_other_linked_device_as_its_own()
    {
        await Sim.CreatePhoneAsync("15558888888", "Pia");
        await Sim.CreatePhoneAsync("15559999999", "Quin");
        var laptop = await PairAsync("15558888888");
        var desktop = await PairAsync("15558888888");
        await using var first = await BaileysClient.StartAsync(Harness, Server, laptop);
        await using var second = await BaileysClient.StartAsync(Harness, Server, desktop);
        await first.WaitForOpenAsync();
        await second.WaitForOpenAsync();

        var id = await first.SendTextAsync("15559999999@s.whatsapp.net", "sent from the laptop");
        var copy = await WaitForMessageAsync(second, id);
        Assert.True(copy["fromMe"]!.GetValue<bool>());
        Assert.Equal("sent from the laptop", copy["text"]!.GetValue<string>());
        Assert.Equal("sent from the laptop", (await InboxEntryAsync("15559999999", id))["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Two_Baileys_clients_and_a_simulated_phone_decrypt_each_others_group_messages()
    {
        await Sim.CreatePhoneAsync("15551111111", "Ivy");
        await Sim.CreatePhoneAsync("15552222222", "Jack");
        await Sim.CreatePhoneAsync("15553333333", "Kim");
        var group = (await Sim.PostOkAsync("sim/groups",
            new { subject = "Sim group", creator = "15553333333", participants = new[] { "15551111111", "15552222222" } }, 201))!["jid"]!.GetValue<string>();
        var ivyAuth = await PairAsync("15551111111");
        var jackAuth = await PairAsync("15552222222");
        await using var ivy = await BaileysClient.StartAsync(Harness, Server, ivyAuth);
        await using var jack = await BaileysClient.StartAsync(Harness, Server, jackAuth);
        await ivy.WaitForOpenAsync();
        await jack.WaitForOpenAsync();

        var fromIvy = await ivy.SendTextAsync(group, "hello group, Ivy here");
        Assert.Equal("hello group, Ivy here", (await WaitForMessageAsync(jack, fromIvy))["text"]!.GetValue<string>());
        Assert.Equal("hello group, Ivy here", (await InboxEntryAsync("15553333333", fromIvy))["text"]!.GetValue<string>());

        var fromJack = await jack.SendTextAsync(group, "Jack too");
        var atIvy = await WaitForMessageAsync(ivy, fromJack);
        Assert.Equal("Jack too", atIvy["text"]!.GetValue<string>());
        Assert.Equal(group, atIvy["chat"]!.GetValue<string>());
        Assert.Equal("Jack too", (await InboxEntryAsync("15553333333", fromJack))["text"]!.GetValue<string>());

        var fromKim = (await Sim.PostOkAsync("sim/phones/15553333333/send", new { to = group, text = "Kim's phone says hi" }))!["id"]!.GetValue<string>();
        Assert.Equal("Kim's phone says hi", (await WaitForMessageAsync(ivy, fromKim))["text"]!.GetValue<string>());
        Assert.Equal("Kim's phone says hi", (await WaitForMessageAsync(jack, fromKim))["text"]!.GetValue<string>());
        var again = (await Sim.PostOkAsync("sim/phones/15553333333/send", new { to = group, text = "and again" }))!["id"]!.GetValue<string>();
        Assert.Equal("and again", (await WaitForMessageAsync(jack, again))["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Baileys_receives_every_kind_of_message_a_simulated_phone_sends()
    {
        await Sim.CreatePhoneAsync("15556666666", "Nia");
        await Sim.CreatePhoneAsync("15557777777", "Oto");
        await using var nia = await BaileysClient.StartAsync(Harness, Server, await PairAsync("15556666666"));
        await nia.WaitForOpenAsync();
        const string Send = "sim/phones/15557777777/send";

        async Task<JsonNode> SendAsync(object request) =>
            await WaitForMessageAsync(nia, (await Sim.PostOkAsync(Send, request))!["id"]!.GetValue<string>());

        var first = await SendAsync(new { to = "15556666666", text = "first" });
        var firstId = first["id"]!.GetValue<string>();
        var reply = await SendAsync(new { to = "15556666666", kind = "reply", text = "a reply", quotedId = firstId });
        Assert.Equal(firstId, reply["quotedId"]!.GetValue<string>());
        Assert.Equal("a reply", reply["text"]!.GetValue<string>());
        var reaction = await SendAsync(new { to = "15556666666", kind = "reaction", text = "👍", quotedId = firstId });
        Assert.Equal("👍", reaction["reaction"]!.GetValue<string>());
        var location = await SendAsync(new { to = "15556666666", kind = "location", latitude = 52.37, longitude = 4.89, name = "Dam" });
        Assert.Equal(52.37, location["latitude"]!.GetValue<double>(), 5);
        var contact = await SendAsync(new { to = "15556666666", kind = "contact", name = "Pat", contactPhone = "15550000001" });
        Assert.Equal("Pat", contact["contactName"]!.GetValue<string>());
        var poll = await SendAsync(new { to = "15556666666", kind = "poll", name = "Lunch?", options = new[] { "yes", "no" } });
        Assert.Equal(["yes", "no"], poll["pollOptions"]!.AsArray().Select(o => o!.GetValue<string>()));

        var picture = new byte[5_000];
        Random.Shared.NextBytes(picture);
        var image = await SendAsync(new { to = "15556666666", kind = "image", text = "look", imageBase64 = Convert.ToBase64String(picture), mimetype = "image/png" });
        Assert.Equal("look", image["caption"]!.GetValue<string>());
        Assert.Equal(picture, await nia.DownloadAsync(image["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Baileys_receives_and_downloads_every_media_kind_a_simulated_phone_sends()
    {
        await Sim.CreatePhoneAsync("15558888881", "Pia");
        await Sim.CreatePhoneAsync("15558888882", "Quo");
        await using var pia = await BaileysClient.StartAsync(Harness, Server, await PairAsync("15558888881"));
        await pia.WaitForOpenAsync();
        (string Kind, string Mimetype, string Expected)[] kinds =
        [
            ("video", "video/mp4", "videoMessage"),
            ("audio", "audio/mpeg", "audioMessage"),
            ("ptt", "audio/ogg; codecs=opus", "audioMessage"),
            ("document", "application/pdf", "documentMessage"),
            ("sticker", "image/webp", "stickerMessage"),
        ];
        foreach (var (kind, mimetype, expected) in kinds)
        {
            var content = new byte[4_000];
            Random.Shared.NextBytes(content);
            var sent = await Sim.PostOkAsync("sim/phones/15558888882/send",
                new { to = "15558888881", kind, mimetype, name = "report.pdf", seconds = 3, mediaBase64 = Convert.ToBase64String(content) });
            var received = await WaitForMessageAsync(pia, sent!["id"]!.GetValue<string>());
            Assert.Contains(expected, received["kinds"]!.AsArray().Select(k => k!.GetValue<string>()));
            Assert.Equal(content, await pia.DownloadAsync(received["id"]!.GetValue<string>()));
        }
    }
}

using WaOrleans.Protocol.Tests.Support;
using WaOrleans.Simulator.Tests.Support;

namespace WaOrleans.Simulator.Tests;

/// <summary>The proof: the real Baileys client pairs with, logs in to and is thrown out by WaSim as by WhatsApp.</summary>
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class BaileysInteropTests(InteropHarness harness) : IAsyncLifetime
{
    /// <summary>Baileys' DisconnectReason.restartRequired.</summary>
    private const int RestartRequired = 515;

    /// <summary>Baileys' DisconnectReason.loggedOut.</summary>
    private const int LoggedOut = 401;

    /// <summary>Baileys' DisconnectReason.connectionReplaced.</summary>
    private const int ConnectionReplaced = 440;

    /// <summary>Baileys' DisconnectReason.connectionClosed (the socket closed without a stream error).</summary>
    private const int ConnectionClosed = 428;

    /// <summary>Baileys' DisconnectReason.connectionLost (no frame within keepalive + 5 s).</summary>
    private const int ConnectionLost = 408;

    /// <summary>A keepalive short enough that a silent server is noticed in about 6 s instead of 35 s.</summary>
    private const int ShortKeepAliveMs = 1000;

    /// <summary>Baileys' WebMessageInfo.Status.ERROR, set when the server nacks a message.</summary>
    private const int ErrorStatus = 0;

    /// <summary>Baileys' WebMessageInfo.Status.READ.</summary>
    private const int ReadStatus = 4;

    private WaSimServer _server = null!;
    private SimClient _sim = null!;

    public async Task InitializeAsync()
    {
        _server = await WaSimServer.StartAsync(new WaSimOptions());
        _sim = new SimClient(_server);
    }

    public async Task DisposeAsync()
    {
        _sim.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Baileys_pairs_by_qr_restarts_on_515_and_logs_in_again_later()
    {
        await _sim.CreatePhoneAsync("15550101010", "Alice");
        string auth;
        await using (var first = await BaileysClient.StartAsync(harness, _server))
        {
            auth = first.Auth;
            var qr = await first.WaitForQrAsync();
            Assert.StartsWith("https://wa.me/settings/linked_devices#", qr, StringComparison.Ordinal);
            var device = await _sim.PostOkAsync("sim/phones/15550101010/scan", new { qr });
            Assert.Equal("15550101010:1@s.whatsapp.net", device!["jid"]!.GetValue<string>());
            Assert.Equal(RestartRequired, await first.WaitForCloseAsync());
            var creds = await first.CredsAsync();
            Assert.Equal("15550101010:1@s.whatsapp.net", creds["me"]!["id"]!.GetValue<string>());
            Assert.Equal("android", creds["platform"]!.GetValue<string>());
        }

        await using (var restarted = await BaileysClient.StartAsync(harness, _server, auth))
        {
            await restarted.WaitForOpenAsync();
            var phone = await _sim.GetAsync("sim/phones/15550101010");
            var body = System.Text.Json.Nodes.JsonNode.Parse(await phone.Content.ReadAsStringAsync())!;
            var linked = body["devices"]![0]!;
            Assert.True(linked["online"]!.GetValue<bool>());
            Assert.True(linked["preKeys"]!.GetValue<int>() > 0, "Baileys uploads its prekeys on first login");
        }

        await using var later = await BaileysClient.StartAsync(harness, _server, auth);
        var open = await later.WaitForOpenAsync();
        Assert.EndsWith("@lid", open["me"]!["lid"]!.GetValue<string>(), StringComparison.Ordinal);
        var onWhatsApp = await later.OnWhatsAppAsync("+15550101010", "+15559999999");
        var found = Assert.Single(onWhatsApp);
        Assert.Equal("15550101010@s.whatsapp.net", found!["jid"]!.GetValue<string>());
        Assert.True(found["exists"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Baileys_links_by_pairing_code_and_a_wrong_code_is_refused()
    {
        await _sim.CreatePhoneAsync("15550202020", "Bob");
        await using var client = await BaileysClient.StartAsync(harness, _server);
        await client.WaitForQrAsync();
        var code = await client.RequestPairingCodeAsync("15550202020");
        Assert.Equal(8, code.Length);

        var wrong = code[0] == 'A' ? "B" + code[1..] : "A" + code[1..];
        using (var refused = await EnterCodeAsync("15550202020", wrong))
        {
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
        }

        var device = await _sim.PostOkAsync("sim/phones/15550202020/pair-code", new { code });
        Assert.Equal("15550202020:1@s.whatsapp.net", device!["jid"]!.GetValue<string>());
        Assert.Equal(RestartRequired, await client.WaitForCloseAsync());

        await using var restarted = await BaileysClient.StartAsync(harness, _server, client.Auth);
        await restarted.WaitForOpenAsync();
    }

    [Fact]
    public async Task Baileys_sees_logged_out_on_unlink_and_replaced_on_440()
    {
        await _sim.CreatePhoneAsync("15550303030", "Carol");
        var auth = await PairAsync("15550303030");

        await using (var replaced = await BaileysClient.StartAsync(harness, _server, auth))
        {
            await replaced.WaitForOpenAsync();
            await _sim.PostOkAsync("sim/devices/15550303030:1@s.whatsapp.net/fault", new { kind = "stream-error", code = 440 }, 204);
            Assert.Equal(ConnectionReplaced, await replaced.WaitForCloseAsync());
        }

        await using var unlinked = await BaileysClient.StartAsync(harness, _server, auth);
        await unlinked.WaitForOpenAsync();
        await _sim.PostOkAsync("sim/phones/15550303030/unlink", new { });
        Assert.Equal(LoggedOut, await unlinked.WaitForCloseAsync());

        await using var refused = await BaileysClient.StartAsync(harness, _server, auth);
        Assert.Equal(LoggedOut, await refused.WaitForCloseAsync());
    }

    [Fact]
    public async Task Baileys_sees_dropped_and_silent_connections_and_logs_in_after_a_server_restart()
    {
        await _sim.CreatePhoneAsync("15550404040", "Dave");
        var auth = await PairAsync("15550404040");
        const string Fault = "sim/devices/15550404040:1@s.whatsapp.net/fault";

        await using (var dropped = await BaileysClient.StartAsync(harness, _server, auth))
        {
            await dropped.WaitForOpenAsync();
            await _sim.PostOkAsync(Fault, new { kind = "close" }, 204);
            Assert.Equal(ConnectionClosed, await dropped.WaitForCloseAsync());
        }

        await using (var restarted = await BaileysClient.StartAsync(harness, _server, auth))
        {
            await restarted.WaitForOpenAsync();
            await _sim.PostOkAsync("sim/devices/any/fault", new { kind = "restart-server" }, 204);
            Assert.Equal(ConnectionClosed, await restarted.WaitForCloseAsync());
        }

        await using var silenced = await BaileysClient.StartAsync(harness, _server, auth, keepAliveMs: ShortKeepAliveMs);
        await silenced.WaitForOpenAsync();
        await _sim.PostOkAsync(Fault, new { kind = "silent" }, 204);
        Assert.Equal(ConnectionLost, await silenced.WaitForCloseAsync());
    }

    [Fact]
    public async Task Two_Baileys_clients_on_two_accounts_message_each_other_through_WaSim()
    {
        await _sim.CreatePhoneAsync("15550707070", "Erin");
        await _sim.CreatePhoneAsync("15550808080", "Frank");
        var erinAuth = await PairAsync("15550707070");
        var frankAuth = await PairAsync("15550808080");
        await using var erin = await BaileysClient.StartAsync(harness, _server, erinAuth);
        await using var frank = await BaileysClient.StartAsync(harness, _server, frankAuth);
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
        await using var frankAgain = await BaileysClient.StartAsync(harness, _server, frankAuth);
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
        await _sim.CreatePhoneAsync("15554444444", "Lou");
        await _sim.CreatePhoneAsync("15555555555", "Max");
        var louAuth = await PairAsync("15554444444");
        var maxAuth = await PairAsync("15555555555");
        await using var lou = await BaileysClient.StartAsync(harness, _server, louAuth);
        await using var max = await BaileysClient.StartAsync(harness, _server, maxAuth);
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

        await _sim.PostOkAsync("sim/devices/15555555555:1@s.whatsapp.net/fault", new { kind = "nack" }, 204);
        var refused = await max.SendTextAsync("15554444444@s.whatsapp.net", "this one is nacked");
        var status = await max.WaitForAsync("status");
        Assert.Equal(refused, status["id"]!.GetValue<string>());
        Assert.Equal(ErrorStatus, status["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_simulated_phone_and_Baileys_exchange_texts_and_receipts()
    {
        await _sim.CreatePhoneAsync("15550909090", "Gina");
        await _sim.CreatePhoneAsync("15551010101", "Hank");
        var auth = await PairAsync("15550909090");
        await using var gina = await BaileysClient.StartAsync(harness, _server, auth);
        await gina.WaitForOpenAsync();

        var sent = await _sim.PostOkAsync("sim/phones/15551010101/send", new { to = "15550909090", text = "hi from Hank's phone" });
        var id = sent!["id"]!.GetValue<string>();
        var received = await WaitForMessageAsync(gina, id);
        Assert.Equal("hi from Hank's phone", received["text"]!.GetValue<string>());

        var second = (await _sim.PostOkAsync("sim/phones/15551010101/send", new { to = "15550909090", text = "second" }))!["id"]!.GetValue<string>();
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

        var inbox = System.Text.Json.Nodes.JsonNode.Parse(await (await _sim.GetAsync("sim/phones/15551010101/inbox")).Content.ReadAsStringAsync())!;
        Assert.Contains(inbox["receipts"]!.AsArray(), r => r!["id"]!.GetValue<string>() == id && r["type"]!.GetValue<string>() == "read");
    }

    [Fact]
    public async Task A_message_reaches_the_senders_other_linked_device_as_its_own()
    {
        await _sim.CreatePhoneAsync("15558888888", "Pia");
        await _sim.CreatePhoneAsync("15559999999", "Quin");
        var laptop = await PairAsync("15558888888");
        var desktop = await PairAsync("15558888888");
        await using var first = await BaileysClient.StartAsync(harness, _server, laptop);
        await using var second = await BaileysClient.StartAsync(harness, _server, desktop);
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
        await _sim.CreatePhoneAsync("15551111111", "Ivy");
        await _sim.CreatePhoneAsync("15552222222", "Jack");
        await _sim.CreatePhoneAsync("15553333333", "Kim");
        var group = (await _sim.PostOkAsync("sim/groups",
            new { subject = "Sim group", creator = "15553333333", participants = new[] { "15551111111", "15552222222" } }, 201))!["jid"]!.GetValue<string>();
        var ivyAuth = await PairAsync("15551111111");
        var jackAuth = await PairAsync("15552222222");
        await using var ivy = await BaileysClient.StartAsync(harness, _server, ivyAuth);
        await using var jack = await BaileysClient.StartAsync(harness, _server, jackAuth);
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

        var fromKim = (await _sim.PostOkAsync("sim/phones/15553333333/send", new { to = group, text = "Kim's phone says hi" }))!["id"]!.GetValue<string>();
        Assert.Equal("Kim's phone says hi", (await WaitForMessageAsync(ivy, fromKim))["text"]!.GetValue<string>());
        Assert.Equal("Kim's phone says hi", (await WaitForMessageAsync(jack, fromKim))["text"]!.GetValue<string>());
        var again = (await _sim.PostOkAsync("sim/phones/15553333333/send", new { to = group, text = "and again" }))!["id"]!.GetValue<string>();
        Assert.Equal("and again", (await WaitForMessageAsync(jack, again))["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Baileys_receives_every_kind_of_message_a_simulated_phone_sends()
    {
        await _sim.CreatePhoneAsync("15556666666", "Nia");
        await _sim.CreatePhoneAsync("15557777777", "Oto");
        await using var nia = await BaileysClient.StartAsync(harness, _server, await PairAsync("15556666666"));
        await nia.WaitForOpenAsync();
        const string Send = "sim/phones/15557777777/send";

        async Task<System.Text.Json.Nodes.JsonNode> SendAsync(object request) =>
            await WaitForMessageAsync(nia, (await _sim.PostOkAsync(Send, request))!["id"]!.GetValue<string>());

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

    /// <summary>Polls a phone's inbox until the message arrives (the server routes it right after acking the sender).</summary>
    private async Task<System.Text.Json.Nodes.JsonNode> InboxEntryAsync(string phone, string id)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var response = await _sim.GetAsync($"sim/phones/{phone}/inbox");
            var inbox = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            var entry = inbox["messages"]!.AsArray().FirstOrDefault(e => e!["id"]!.GetValue<string>() == id);
            if (entry is not null || attempt == 50)
            {
                Assert.True(entry is not null, $"{phone}'s phone never got {id}: {inbox.ToJsonString()}");
                return entry!;
            }

            await Task.Delay(100);
        }
    }

    private static async Task<System.Text.Json.Nodes.JsonNode> WaitForMessageAsync(BaileysClient client, string id)
    {
        while (true)
        {
            var message = await client.WaitForAsync("message");
            Assert.True(message["type"]!.GetValue<string>() == "message", $"expected a message, got {message.ToJsonString()}");
            if (message["id"]!.GetValue<string>() == id)
            {
                return message;
            }
        }
    }

    /// <summary>
    /// Enters a code on the phone once the companion's request reached the server: Baileys'
    /// requestPairingCode returns before its companion_hello is answered, as a real user would
    /// only type the code after the server acknowledged it.
    /// </summary>
    private async Task<HttpResponseMessage> EnterCodeAsync(string phone, string code)
    {
        for (var attempt = 0; ; attempt++)
        {
            var response = await _sim.PostAsync($"sim/phones/{phone}/pair-code", new { code });
            if (response.StatusCode != System.Net.HttpStatusCode.NotFound || attempt == 50)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(100);
        }
    }

    private async Task<string> PairAsync(string phone)
    {
        await using var client = await BaileysClient.StartAsync(harness, _server);
        var qr = await client.WaitForQrAsync();
        await _sim.PostOkAsync($"sim/phones/{phone}/scan", new { qr });
        Assert.Equal(RestartRequired, await client.WaitForCloseAsync());
        return client.Auth;
    }
}

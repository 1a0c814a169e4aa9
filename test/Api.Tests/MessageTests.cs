using System.Net.Http.Json;
using System.Text.Json.Nodes;
using WaOrleans.Api.Tests.Support;

namespace WaOrleans.Api.Tests;

/// <summary>Sending every type through the API to simulated phones, idempotency, the log, media, and /api/send.</summary>
[Collection(SqliteGatewayCollection.Name)]
public sealed class MessageTests(SqliteGatewayFixture gateway)
{
    // A 1x1 PNG: real image bytes the phone's media check can fetch, verify and decrypt.
    private const string TinyPng = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

    [Fact]
    public async Task A_text_with_header_and_footer_reaches_the_phone_and_the_log_shows_it()
    {
        var (session, _) = await gateway.NewPairedSessionAsync();
        var peer = await gateway.NewPhoneAsync();
        using var response = await gateway.Admin.PostAsJsonAsync($"api/sessions/{session}/messages",
            new { to = "+" + peer[..1] + " " + peer[1..4] + " " + peer[4..], type = "text", text = "hello api", header = "Head", footer = "Foot" });
        Assert.Equal(201, (int)response.StatusCode);
        var sent = await response.ReadJsonAsync();
        var id = sent["messageId"]!.GetValue<string>();
        Assert.Equal($"{peer}@s.whatsapp.net", sent["chat"]!.GetValue<string>());
        Assert.EndsWith($"/api/sessions/{session}/messages/{id}", response.Headers.Location!.ToString(), StringComparison.Ordinal);

        await GatewayFixture.WaitUntilAsync(async () => (await gateway.InboxAsync(peer)).Any(m => m!["id"]!.GetValue<string>() == id), "the text in the phone's inbox");
        var received = (await gateway.InboxAsync(peer)).Single(m => m!["id"]!.GetValue<string>() == id)!;
        Assert.Contains("hello api", received["text"]!.GetValue<string>(), StringComparison.Ordinal);

        var one = await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}/messages/{id}");
        Assert.Equal("out", one["direction"]!.GetValue<string>());
        Assert.Equal("text", one["type"]!.GetValue<string>());
        var log = await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}/messages?direction=out&limit=10");
        Assert.Contains(log["items"]!.AsArray(), m => m!["messageId"]!.GetValue<string>() == id);
    }

    [Fact]
    public async Task An_idempotency_key_in_the_header_or_the_body_returns_the_first_result_without_sending_again()
    {
        var (session, _) = await gateway.NewPairedSessionAsync();
        var peer = await gateway.NewPhoneAsync();
        var path = $"api/sessions/{session}/messages";
        using var first = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(new { to = peer, text = "once" }) };
        first.Headers.Add("Idempotency-Key", "order-42");
        using var firstResponse = await gateway.Admin.SendAsync(first);
        Assert.Equal(201, (int)firstResponse.StatusCode);
        var id = (await firstResponse.ReadJsonAsync())["messageId"]!.GetValue<string>();

        var replay = await gateway.Admin.PostJsonOkAsync(path, new { to = peer, text = "once", idempotencyKey = "order-42" });
        Assert.True(replay["replayed"]!.GetValue<bool>());
        Assert.Equal(id, replay["messageId"]!.GetValue<string>());

        await GatewayFixture.WaitUntilAsync(async () => (await gateway.InboxAsync(peer)).Any(m => m!["id"]!.GetValue<string>() == id), "the first send");
        await Task.Delay(1000);
        Assert.Single(await gateway.InboxAsync(peer), m => m!["text"]?.GetValue<string>() == "once");
    }

    [Fact]
    public async Task Every_message_type_is_accepted_and_reaches_the_phone()
    {
        var (session, _) = await gateway.NewPairedSessionAsync();
        var peer = await gateway.NewPhoneAsync();
        var path = $"api/sessions/{session}/messages";
        var first = await gateway.Admin.PostJsonOkAsync(path, new { to = peer, text = "first" }, 201);
        var firstId = first["messageId"]!.GetValue<string>();
        object[] bodies =
        [
            new { to = peer, type = "image", media = new { base64 = TinyPng, mimeType = "image/png" }, caption = "a pixel" },
            new { to = peer, type = "document", media = new { base64 = TinyPng, mimeType = "application/pdf", fileName = "doc.pdf" } },
            new { to = peer, type = "sticker", media = new { base64 = TinyPng, mimeType = "image/webp" } },
            new { to = peer, type = "location", location = new { latitude = 52.52, longitude = 13.405, name = "Berlin" } },
            new { to = peer, type = "contact", contact = new { name = "Ana", phone = "+1 555 000 1111" } },
            new { to = peer, type = "poll", poll = new { question = "Lunch?", options = new[] { "Pizza", "Sushi" } } },
            new { to = peer, type = "reaction", reaction = new { messageId = firstId, emoji = "👍" } },
            new { to = peer, type = "text", text = "a reply", replyTo = firstId, mentions = new[] { peer } },
        ];
        var ids = new List<string>();
        foreach (var body in bodies)
        {
            var sent = await gateway.Admin.PostJsonOkAsync(path, body, 201);
            Assert.True(sent["status"]!.GetValue<string>() != "failed", sent.ToJsonString());
            ids.Add(sent["messageId"]!.GetValue<string>());
        }

        await GatewayFixture.WaitUntilAsync(async () =>
        {
            var inbox = await gateway.InboxAsync(peer);
            return ids.All(id => inbox.Any(m => m!["id"]!.GetValue<string>() == id));
        }, "every type in the phone's inbox");
        var image = (await gateway.InboxAsync(peer)).Single(m => m!["id"]!.GetValue<string>() == ids[0])!;
        Assert.True(image["media"]!["verified"]!.GetValue<bool>(), image.ToJsonString());
    }

    [Fact]
    public async Task A_number_not_on_WhatsApp_is_a_422_and_an_unpaired_session_a_409()
    {
        var (session, _) = await gateway.NewPairedSessionAsync();
        using (var response = await gateway.Admin.PostAsJsonAsync($"api/sessions/{session}/messages", new { to = "19998887776", text = "anyone?" }))
        {
            await response.AssertErrorAsync(422, "not_on_whatsapp");
        }

        var unpaired = await GatewayFixture.NewSessionAsync(gateway.Admin);
        using var notConnected = await gateway.Admin.PostAsJsonAsync($"api/sessions/{unpaired}/messages", new { to = "15550001111", text = "hi" });
        await notConnected.AssertErrorAsync(409);
    }

    [Theory]
    [InlineData("""{"text":"no recipient"}""", "missing_field", "to")]
    [InlineData("""{"to":"not a number","text":"x"}""", "invalid_phone", "to")]
    [InlineData("""{"to":"0123456789","text":"x"}""", "invalid_phone", "to")]
    [InlineData("""{"to":"123","text":"x"}""", "invalid_phone", "to")]
    [InlineData("""{"to":"1234567890123456","text":"x"}""", "invalid_phone", "to")]
    [InlineData("""{"to":"123@example.com","text":"x"}""", "invalid_phone", "to")]
    [InlineData("""{"to":15551234567,"text":"x"}""", "invalid_json", "to")]
    [InlineData("""{"to":"15551234567"}""", "missing_field", "text")]
    [InlineData("""{"to":"15551234567","type":"fax"}""", "invalid_type", "type")]
    [InlineData("""{"to":"15551234567","type":"image"}""", "missing_field", "media")]
    [InlineData("""{"to":"15551234567","type":"image","media":{}}""", "invalid_media", "media")]
    [InlineData("""{"to":"15551234567","type":"image","media":{"url":"https://x/a.png","base64":"AA=="}}""", "invalid_media", "media")]
    [InlineData("""{"to":"15551234567","type":"image","media":{"url":"ftp://x/a.png"}}""", "invalid_url", "media.url")]
    [InlineData("""{"to":"15551234567","type":"image","media":{"base64":"***"}}""", "invalid_base64", "media.base64")]
    [InlineData("""{"to":"15551234567","type":"image","media":{"base64":"AAAA","mimeType":"png"}}""", "invalid_mime_type", "media.mimeType")]
    [InlineData("""{"to":"15551234567","type":"document","media":{"base64":"AAAA"}}""", "missing_field", "media.fileName")]
    [InlineData("""{"to":"15551234567","type":"location","location":{"latitude":91,"longitude":0}}""", "invalid_location", "location.latitude")]
    [InlineData("""{"to":"15551234567","type":"location","location":{"latitude":1}}""", "invalid_location", "location.longitude")]
    [InlineData("""{"to":"15551234567","type":"contact","contact":{"phone":"15551234567"}}""", "missing_field", "contact.name")]
    [InlineData("""{"to":"15551234567","type":"poll","poll":{"question":"q","options":["one"]}}""", "invalid_poll", "poll.options")]
    [InlineData("""{"to":"15551234567","type":"poll","poll":{"question":"q","options":["a","a"]}}""", "invalid_poll", "poll.options")]
    [InlineData("""{"to":"15551234567","type":"poll","poll":{"question":"q","options":["a","b"],"selectableCount":3}}""", "invalid_poll", "poll.selectableCount")]
    [InlineData("""{"to":"15551234567","type":"reaction","reaction":{"emoji":"x"}}""", "missing_field", "reaction.messageId")]
    [InlineData("""{"to":"15551234567","text":"x","mentions":["nobody"]}""", "invalid_phone", "mentions[0]")]
    [InlineData("""{"to":"15551234567","text":"x","mentions":"15551234567"}""", "invalid_json", "mentions")]
    [InlineData("""{"to":"15551234567","text":"x","idempotencyKey":""}""", "invalid_idempotency_key", "idempotencyKey")]
    [InlineData("""{"to":"15551234567","text":{"nested":true}}""", "invalid_json", "text")]
    [InlineData("""{"to":"15551234567","text":"x""", "invalid_json", null)]
    [InlineData("""[1,2,3]""", "invalid_json", null)]
    public async Task Bad_message_bodies_are_400s_naming_the_field_and_nothing_is_logged(string body, string code, string? field)
    {
        var session = await GatewayFixture.NewSessionAsync(gateway.Admin);
        using var response = await gateway.Admin.SendRawAsync(HttpMethod.Post, $"api/sessions/{session}/messages", body);
        await response.AssertErrorAsync(400, code, field);
        Assert.Empty((await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}/messages"))["items"]!.AsArray());
    }

    [Fact]
    public async Task A_body_over_the_media_limit_is_a_413()
    {
        var session = await GatewayFixture.NewSessionAsync(gateway.Admin);
        var huge = new string('A', 25 * 1024 * 1024);
        using var response = await gateway.Admin.SendRawAsync(HttpMethod.Post, $"api/sessions/{session}/messages",
            "{\"to\":\"15551234567\",\"type\":\"image\",\"media\":{\"base64\":\"" + huge + "\"}}");
        await response.AssertErrorAsync(413, "body_too_large");
    }

    [Fact]
    public async Task A_body_over_the_default_limit_on_another_route_is_a_413()
    {
        var name = new string('n', 2 * 1024 * 1024);
        using var response = await gateway.Admin.PostAsJsonAsync("api/sessions", new { id = GatewayFixture.NewId("s-"), name });
        await response.AssertErrorAsync(413, "body_too_large");
    }

    [Fact]
    public async Task Inbound_messages_are_in_the_log_with_filters_and_their_media_downloads()
    {
        var (session, me) = await gateway.NewPairedSessionAsync();
        var peer = await gateway.NewPhoneAsync("Peer Phone");
        var text = await gateway.Sim.PostOkAsync($"sim/phones/{peer}/send", new { to = me, text = "hi gateway" });
        var image = await gateway.Sim.PostOkAsync($"sim/phones/{peer}/send", new { to = me, kind = "image", mediaBase64 = TinyPng, mimetype = "image/png", text = "pic" });
        var imageId = image!["id"]!.GetValue<string>();
        JsonArray inbound = [];
        await GatewayFixture.WaitUntilAsync(async () =>
        {
            inbound = (await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}/messages?direction=in"))["items"]!.AsArray();
            return inbound.Count >= 2;
        }, "two inbound messages in the log");
        Assert.All(inbound, m => Assert.Equal("in", m!["direction"]!.GetValue<string>()));
        Assert.Contains(inbound, m => m!["messageId"]!.GetValue<string>() == text!["id"]!.GetValue<string>() && m["text"]!.GetValue<string>() == "hi gateway");

        // WhatsApp addressed the chat by LID; the log names it by the number the LID maps to.
        var chat = inbound[0]!["chat"]!.GetValue<string>();
        Assert.Equal(peer + "@s.whatsapp.net", chat);
        var lid = inbound[0]!["chatLid"]!.GetValue<string>();
        Assert.EndsWith("@lid", lid, StringComparison.Ordinal);
        Assert.Equal(peer, inbound[0]!["senderPhone"]!.GetValue<string>());
        var byChat = (await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}/messages?chat={Uri.EscapeDataString(chat)}"))["items"]!.AsArray();
        Assert.True(byChat.Count == 2, inbound.ToJsonString());
        var future = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(1).ToString("O"));
        Assert.Empty((await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}/messages?since={future}"))["items"]!.AsArray());
        var page = await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}/messages?limit=1");
        Assert.Single(page["items"]!.AsArray());
        var next = page["nextCursor"]!.GetValue<string>();
        var second = await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}/messages?limit=1&cursor={Uri.EscapeDataString(next)}");
        Assert.NotEqual(page["items"]![0]!["messageId"]!.GetValue<string>(), second["items"]![0]!["messageId"]!.GetValue<string>());

        using var media = await gateway.Admin.GetAsync($"api/sessions/{session}/messages/{imageId}/media");
        Assert.Equal(200, (int)media.StatusCode);
        Assert.Equal("image/png", media.Content.Headers.ContentType!.MediaType);
        Assert.Equal(Convert.FromBase64String(TinyPng), await media.Content.ReadAsByteArrayAsync());

        // The chat list names the conversation by the number its LID maps to, once.
        var chats = (await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}/chats"))["items"]!.AsArray();
        var conversation = Assert.Single(chats, c => c!["chat"]!.GetValue<string>() == peer + "@s.whatsapp.net");
        Assert.Equal(2, conversation!["messageCount"]!.GetValue<int>());
        Assert.DoesNotContain(chats, c => c!["chat"]!.GetValue<string>() == lid);
    }

    [Theory]
    [InlineData("direction=sideways", "invalid_direction", "direction")]
    [InlineData("limit=0", "invalid_limit", "limit")]
    [InlineData("limit=201", "invalid_limit", "limit")]
    [InlineData("limit=ten", "invalid_limit", "limit")]
    [InlineData("since=yesterday", "invalid_since", "since")]
    [InlineData("chat=nobody", "invalid_phone", "chat")]
    [InlineData("cursor=garbage", "invalid_cursor", "cursor")]
    public async Task Bad_log_filters_are_400s(string query, string code, string field)
    {
        var session = await GatewayFixture.NewSessionAsync(gateway.Admin);
        using var response = await gateway.Admin.GetAsync($"api/sessions/{session}/messages?{query}");
        await response.AssertErrorAsync(400, code, field);
    }

    [Fact]
    public async Task Unknown_messages_and_media_are_404s()
    {
        var (session, _) = await gateway.NewPairedSessionAsync();
        using (var message = await gateway.Admin.GetAsync($"api/sessions/{session}/messages/NOPE"))
        {
            await message.AssertErrorAsync(404, "message_not_found");
        }

        using var media = await gateway.Admin.GetAsync($"api/sessions/{session}/messages/NOPE/media");
        await media.AssertErrorAsync(404);
    }

    [Fact]
    public async Task A_session_key_sends_through_the_shortcut_with_a_text_or_a_message_object()
    {
        var (session, _) = await gateway.NewPairedSessionAsync();
        var peer = await gateway.NewPhoneAsync();
        var (_, key) = await gateway.NewKeyAsync("session", sessionId: session);
        using var client = gateway.Client(key);
        var plain = await client.PostJsonOkAsync("api/send", new { to = peer, message = "plain text" }, 201);
        var rich = await client.PostJsonOkAsync("api/send", new { to = peer, message = new { type = "location", location = new { latitude = 1.5, longitude = 2.5 } } }, 201);
        await GatewayFixture.WaitUntilAsync(async () =>
        {
            var inbox = await gateway.InboxAsync(peer);
            return new[] { plain, rich }.All(s => inbox.Any(m => m!["id"]!.GetValue<string>() == s["messageId"]!.GetValue<string>()));
        }, "both shortcut sends");

        using (var noMessage = await client.PostAsJsonAsync("api/send", new { to = peer }))
        {
            await noMessage.AssertErrorAsync(400, "missing_field", "message");
        }

        using (var badNested = await client.SendRawAsync(HttpMethod.Post, "api/send", "{\"to\":\"" + peer + "\",\"message\":{\"type\":\"poll\",\"poll\":{\"question\":\"q\",\"options\":\"x\"}}}"))
        {
            await badNested.AssertErrorAsync(400, "invalid_json", "message.poll.options");
        }

        using (var number = await client.SendRawAsync(HttpMethod.Post, "api/send", $$"""{"to":"{{peer}}","message":42}"""))
        {
            await number.AssertErrorAsync(400, "invalid_message", "message");
        }

        // An admin names the session; without one the shortcut cannot know which.
        using var admin = await gateway.Admin.PostAsJsonAsync("api/send", new { to = peer, message = "x" });
        await admin.AssertErrorAsync(400, "missing_field", "sessionId");
        await gateway.Admin.PostJsonOkAsync("api/send", new { to = peer, message = "from admin", sessionId = session }, 201);
    }
}

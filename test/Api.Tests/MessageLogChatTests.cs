using System.Text.Json.Nodes;
using WaOrleans.Api.Tests.Support;

namespace WaOrleans.Api.Tests;

/// <summary>The message log and the webhooks name a LID chat by the number it maps to, on SQLite.</summary>
[Collection(SqliteGatewayCollection.Name)]
public sealed class MessageLogChatTests(SqliteGatewayFixture gateway)
{
    [Fact]
    public Task The_log_and_webhooks_show_a_mapped_lid_chat_as_its_number_and_keep_an_unmapped_lid() => MessageLogChatScenario.RunAsync(gateway);

    [Fact]
    public async Task The_OpenAPI_document_describes_chatLid_on_the_log_routes()
    {
        using var anonymous = gateway.Client(null);
        var document = await anonymous.GetJsonOkAsync("openapi/v1.json");
        foreach (var path in new[] { "/api/sessions/{id}/messages", "/api/sessions/{id}/messages/{messageId}" })
        {
            var description = (string?)document["paths"]![path]!["get"]!["description"];
            Assert.Contains("chatLid", description, StringComparison.Ordinal);
        }

        Assert.True(document["components"]!["schemas"]!["MessageRecord"]!["properties"]!.AsObject().ContainsKey("chatLid"));
    }
}

/// <summary>The message log and the webhooks name a LID chat by the number it maps to, on PostgreSQL.</summary>
[Collection(PostgresGatewayCollection.Name)]
[Trait("Category", "Postgres")]
public sealed class PostgresMessageLogChatTests(PostgresGatewayFixture gateway)
{
    [Fact]
    public Task The_log_and_webhooks_show_a_mapped_lid_chat_as_its_number_and_keep_an_unmapped_lid_on_PostgreSQL() => MessageLogChatScenario.RunAsync(gateway);
}

/// <summary>
/// WaSim's phones write from their LIDs and name their number (<c>sender_pn</c>), so the session
/// learns the mapping and stores the inbound message under the <c>@lid</c> chat; a send to a LID
/// nobody mapped is stored under that LID.
/// </summary>
internal static class MessageLogChatScenario
{
    public static async Task RunAsync(GatewayFixture gateway)
    {
        var (session, me) = await gateway.NewPairedSessionAsync();
        using var receiver = new WebhookReceiver();
        await gateway.Admin.PostJsonOkAsync($"api/sessions/{session}/webhooks", new { url = receiver.Url, events = new[] { "message.received" } }, 201);
        var peer = await gateway.NewPhoneAsync("Lid Peer");
        var peerJid = peer + "@s.whatsapp.net";
        var peerLid = (string)(await gateway.Sim.GetJsonAsync($"sim/phones/{peer}"))["lid"]!;
        Assert.EndsWith("@lid", peerLid, StringComparison.Ordinal);
        var inboundId = (string)(await gateway.Sim.PostOkAsync($"sim/phones/{peer}/send", new { to = me, text = "from my LID" }))!["id"]!;
        JsonNode? inbound = null;
        await GatewayFixture.WaitUntilAsync(async () =>
        {
            using var response = await gateway.Admin.GetAsync($"api/sessions/{session}/messages/{inboundId}");
            inbound = response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync()) : null;
            return inbound is not null;
        }, "the peer's message in the log");
        var outboundId = (string)(await gateway.Admin.PostJsonOkAsync($"api/sessions/{session}/messages", new { to = peer, text = "to the number" }, 201))["messageId"]!;

        // One message: the number in chat, the LID it was stored under beside it.
        Assert.Equal(peerJid, (string?)inbound!["chat"]);
        Assert.Equal(peerLid, (string?)inbound["chatLid"]);

        // Its webhook names the chat the same way.
        var hook = await receiver.WaitForAsync(r => r.Event == "message.received" && (string?)r.Json["data"]!["id"] == inboundId, "the peer's message.received");
        Assert.Equal(peerJid, (string?)hook.Json["data"]!["chatJid"]);
        Assert.Equal(peerLid, (string?)hook.Json["data"]!["chatLid"]);
        Assert.Equal(peer, (string?)hook.Json["data"]!["senderPhone"]);

        // The log and its filter by number, by LID, and by the bare number: the whole conversation, under the number.
        foreach (var filter in new[] { peerJid, peerLid, "+" + peer })
        {
            var items = await PageAsync(gateway, session, "chat=" + Uri.EscapeDataString(filter));
            Assert.Equal(new[] { inboundId, outboundId }.Order(), items.Select(m => (string)m!["messageId"]!).Order());
            Assert.All(items, m => Assert.Equal(peerJid, (string?)m!["chat"]));
            var received = Assert.Single(items, m => (string?)m!["messageId"] == inboundId);
            Assert.Equal(peerLid, (string?)received!["chatLid"]);
            // Sent to the number: stored under the number, so there is no LID to keep.
            Assert.Null(Assert.Single(items, m => (string?)m!["messageId"] == outboundId)!["chatLid"]);
        }

        // A LID nobody mapped stays a LID, without a chatLid, and the filter by it finds it.
        var stranger = "9" + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture) + "@lid";
        var strangerId = (string)(await gateway.Admin.PostJsonOkAsync($"api/sessions/{session}/messages", new { to = stranger, text = "to a LID" }, 201))["messageId"]!;
        var one = await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}/messages/{strangerId}");
        Assert.Equal(stranger, (string?)one["chat"]);
        Assert.Null(one["chatLid"]);
        var byStranger = await PageAsync(gateway, session, "chat=" + Uri.EscapeDataString(stranger));
        Assert.Equal(strangerId, (string?)Assert.Single(byStranger)!["messageId"]);
        Assert.Equal(stranger, (string?)byStranger[0]!["chat"]);

        // Nothing in the whole log is shown under the peer's LID.
        Assert.DoesNotContain(await PageAsync(gateway, session, ""), m => (string?)m!["chat"] == peerLid);
    }

    private static async Task<JsonArray> PageAsync(GatewayFixture gateway, string session, string query) =>
        (await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}/messages?limit=200&{query}"))["items"]!.AsArray();
}

using System.Net.Http.Json;
using WaOrleans.Api.Tests.Support;

namespace WaOrleans.Api.Tests;

/// <summary>Number checks, chats and groups of a paired session.</summary>
[Collection(SqliteGatewayCollection.Name)]
public sealed class ContactTests(SqliteGatewayFixture gateway)
{
    [Fact]
    public async Task Numbers_on_WhatsApp_are_found_with_their_JID_and_others_are_not()
    {
        var (session, _) = await gateway.NewPairedSessionAsync();
        var peer = await gateway.NewPhoneAsync();
        var one = await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}/contacts/check?phone={Uri.EscapeDataString("+" + peer)}");
        Assert.True(one["exists"]!.GetValue<bool>());
        Assert.Equal($"{peer}@s.whatsapp.net", one["jid"]!.GetValue<string>());

        var many = (await gateway.Admin.PostJsonOkAsync($"api/sessions/{session}/contacts/check", new { phones = new[] { peer, "19998887776" } }))["items"]!.AsArray();
        Assert.Equal(2, many.Count);
        Assert.True(many.Single(c => c!["phone"]!.GetValue<string>() == peer)!["exists"]!.GetValue<bool>());
        Assert.False(many.Single(c => c!["phone"]!.GetValue<string>() == "19998887776")!["exists"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("GET", "contacts/check", null, "missing_field", "phone")]
    [InlineData("GET", "contacts/check?phone=abc", null, "invalid_phone", "phone")]
    [InlineData("POST", "contacts/check", """{}""", "missing_field", "phones")]
    [InlineData("POST", "contacts/check", """{"phones":["15551234567","x"]}""", "invalid_phone", "phones[1]")]
    [InlineData("POST", "contacts/check", """{"phones":"15551234567"}""", "invalid_json", "phones")]
    [InlineData("GET", "chats?limit=0", null, "invalid_limit", "limit")]
    [InlineData("GET", "groups/15551234567", null, "invalid_group_jid", "jid")]
    public async Task Bad_contact_and_group_requests_are_400s(string method, string path, string? body, string code, string field)
    {
        var session = await GatewayFixture.NewSessionAsync(gateway.Admin);
        using var response = await gateway.Admin.SendRawAsync(new HttpMethod(method), $"api/sessions/{session}/{path}", body);
        await response.AssertErrorAsync(400, code, field);
    }

    [Fact]
    public async Task Groups_the_number_belongs_to_are_listed_and_described()
    {
        var (session, me) = await gateway.NewPairedSessionAsync();
        var creator = await gateway.NewPhoneAsync();
        var group = await gateway.Sim.PostOkAsync("sim/groups", new { subject = "Api Group", creator, participants = new[] { me } }, 201);
        var jid = group!["jid"]!.GetValue<string>();

        var groups = (await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}/groups"))["items"]!.AsArray();
        Assert.Contains(groups, g => g!["jid"]!.GetValue<string>() == jid);
        var one = await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}/groups/{jid}");
        Assert.Equal("Api Group", one["subject"]!.GetValue<string>());
        Assert.True(one["participants"]!.AsArray().Count >= 2);

        using var unknown = await gateway.Admin.GetAsync($"api/sessions/{session}/groups/120363000000000000@g.us");
        await unknown.AssertErrorAsync(404);
    }

    [Fact]
    public async Task Chats_list_the_conversations_of_the_log()
    {
        var (session, _) = await gateway.NewPairedSessionAsync();
        var peer = await gateway.NewPhoneAsync();
        await gateway.Admin.PostJsonOkAsync($"api/sessions/{session}/messages", new { to = peer, text = "chat me" }, 201);
        var chats = (await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}/chats?limit=10"))["items"]!.AsArray();
        var chat = Assert.Single(chats)!;
        Assert.Equal($"{peer}@s.whatsapp.net", chat["chat"]!.GetValue<string>());
        Assert.Equal("chat me", chat["lastMessage"]!["text"]!.GetValue<string>());
    }
}

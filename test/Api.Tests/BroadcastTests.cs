using System.Net.Http.Json;
using WaOrleans.Api.Tests.Support;

namespace WaOrleans.Api.Tests;

/// <summary>Broadcast jobs through the API: templated sends to simulated phones, progress, cancel, tenant checks.</summary>
[Collection(SqliteGatewayCollection.Name)]
public sealed class BroadcastTests(SqliteGatewayFixture gateway)
{
    [Fact]
    public async Task A_broadcast_is_accepted_with_a_job_id_and_sends_each_recipient_its_named_text()
    {
        var (session, _) = await gateway.NewPairedSessionAsync();
        var ana = await gateway.NewPhoneAsync();
        var bo = await gateway.NewPhoneAsync();
        using var response = await gateway.Admin.PostAsJsonAsync($"api/sessions/{session}/broadcasts", new
        {
            recipients = new object[] { new { phone = "+" + ana, name = "Ana" }, bo },
            message = new { type = "text", text = "Hi {{name}}!" },
            delayMin = 0,
            delayMax = 10,
        });
        Assert.Equal(202, (int)response.StatusCode);
        var accepted = await response.ReadJsonAsync();
        var jobId = accepted["jobId"]!.GetValue<string>();
        Assert.StartsWith("bc_", jobId, StringComparison.Ordinal);
        Assert.Equal(2, accepted["total"]!.GetValue<int>());

        System.Text.Json.Nodes.JsonNode status = accepted;
        await GatewayFixture.WaitUntilAsync(async () => (status = await gateway.Admin.GetJsonOkAsync($"api/broadcasts/{jobId}"))["status"]!.GetValue<string>() == "completed", "the broadcast to complete");
        Assert.Equal(2, status["succeeded"]!.GetValue<int>());
        Assert.Equal(2, status["processed"]!.GetValue<int>());
        await GatewayFixture.WaitUntilAsync(async () => (await gateway.InboxAsync(ana)).Any(m => m!["text"]?.GetValue<string>() == "Hi Ana!"), "Ana's named text");
        await GatewayFixture.WaitUntilAsync(async () => (await gateway.InboxAsync(bo)).Any(m => m!["text"]?.GetValue<string>()?.StartsWith("Hi ", StringComparison.Ordinal) == true), "Bo's text");

        // A finished job cancels to itself.
        Assert.Equal("completed", (await gateway.Admin.PostJsonOkAsync($"api/broadcasts/{jobId}/cancel", null))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_slow_broadcast_is_cancelled_before_its_next_recipient()
    {
        var (session, _) = await gateway.NewPairedSessionAsync();
        var recipients = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            recipients.Add(await gateway.NewPhoneAsync());
        }

        var accepted = await gateway.Admin.PostJsonOkAsync($"api/sessions/{session}/broadcasts",
            new { recipients, message = new { text = "slow" }, delayMin = 60_000, delayMax = 60_000 }, 202);
        var jobId = accepted["jobId"]!.GetValue<string>();
        var cancelled = await gateway.Admin.PostJsonOkAsync($"api/broadcasts/{jobId}/cancel", null);
        Assert.Equal("cancelled", cancelled["status"]!.GetValue<string>());
        Assert.True(cancelled["processed"]!.GetValue<int>() < 3);
    }

    [Theory]
    [InlineData("""{"message":{"text":"x"}}""", "missing_field", "recipients")]
    [InlineData("""{"recipients":[],"message":{"text":"x"}}""", "missing_field", "recipients")]
    [InlineData("""{"recipients":["15551234567","nope"],"message":{"text":"x"}}""", "invalid_phone", "recipients[1]")]
    [InlineData("""{"recipients":[{"name":"no phone"}],"message":{"text":"x"}}""", "missing_field", "recipients[0].phone")]
    [InlineData("""{"recipients":[{"phone":"15551234567","name":5}],"message":{"text":"x"}}""", "invalid_json", "recipients[0].name")]
    [InlineData("""{"recipients":[true],"message":{"text":"x"}}""", "invalid_recipient", "recipients[0]")]
    [InlineData("""{"recipients":["15551234567"]}""", "missing_field", "message")]
    [InlineData("""{"recipients":["15551234567"],"message":{"type":"text"}}""", "missing_field", "message.text")]
    [InlineData("""{"recipients":["15551234567"],"message":{"text":"x"},"delayMin":-1}""", "invalid_delay", "delayMin")]
    [InlineData("""{"recipients":["15551234567"],"message":{"text":"x"},"delayMin":5000,"delayMax":10}""", "invalid_delay", "delayMax")]
    [InlineData("""{"recipients":"15551234567","message":{"text":"x"}}""", "invalid_json", "recipients")]
    public async Task Bad_broadcasts_are_400s(string body, string code, string field)
    {
        var session = await GatewayFixture.NewSessionAsync(gateway.Admin);
        using var response = await gateway.Admin.SendRawAsync(HttpMethod.Post, $"api/sessions/{session}/broadcasts", body);
        await response.AssertErrorAsync(400, code, field);
    }

    [Fact]
    public async Task Another_tenants_broadcast_and_an_unknown_job_are_404s()
    {
        var (session, _) = await gateway.NewPairedSessionAsync();
        var peer = await gateway.NewPhoneAsync();
        var jobId = (await gateway.Admin.PostJsonOkAsync($"api/sessions/{session}/broadcasts",
            new { recipients = new[] { peer }, message = new { text = "mine" }, delayMin = 0, delayMax = 0 }, 202))["jobId"]!.GetValue<string>();
        var (_, key) = await gateway.NewKeyAsync("tenant", await gateway.NewTenantAsync());
        using var stranger = gateway.Client(key);
        using (var get = await stranger.GetAsync($"api/broadcasts/{jobId}"))
        {
            await get.AssertErrorAsync(404, "broadcast_not_found");
        }

        using (var cancel = await stranger.PostAsync($"api/broadcasts/{jobId}/cancel", null))
        {
            await cancel.AssertErrorAsync(404, "broadcast_not_found");
        }

        using var unknown = await gateway.Admin.GetAsync("api/broadcasts/bc_doesnotexist");
        await unknown.AssertErrorAsync(404, "broadcast_not_found");
    }
}

using System.Net.Http.Json;
using WaOrleans.Api.Tests.Support;

namespace WaOrleans.Api.Tests;

/// <summary>The same API on a cluster node backed by PostgreSQL: keys and tenants, pairing, sending, the log, webhooks.</summary>
[Collection(PostgresGatewayCollection.Name)]
[Trait("Category", "Postgres")]
public sealed class PostgresTests(PostgresGatewayFixture gateway)
{
    [Fact]
    public async Task Keys_tenants_and_isolation_work_on_PostgreSQL()
    {
        var tenant = await gateway.NewTenantAsync(maxSessions: 5);
        var (id, key) = await gateway.NewKeyAsync("tenant", tenant);
        using var client = gateway.Client(key);
        var session = await GatewayFixture.NewSessionAsync(client);
        var (_, otherKey) = await gateway.NewKeyAsync("tenant", await gateway.NewTenantAsync());
        using var other = gateway.Client(otherKey);
        using (var hidden = await other.GetAsync($"api/sessions/{session}"))
        {
            await hidden.AssertErrorAsync(404, "session_not_found");
        }

        Assert.Equal(1, (await client.GetJsonOkAsync("api/usage"))["sessions"]!["used"]!.GetValue<long>());
        using (var revoke = await gateway.Admin.DeleteAsync($"api/keys/{id}"))
        {
            Assert.Equal(204, (int)revoke.StatusCode);
        }

        using var revoked = await client.GetAsync("api/sessions");
        await revoked.AssertErrorAsync(401, "invalid_key");
    }

    [Fact]
    public async Task A_session_pairs_sends_logs_and_fires_a_signed_webhook_on_PostgreSQL()
    {
        using var receiver = new WebhookReceiver();
        var (session, _) = await gateway.NewPairedSessionAsync();
        var hook = await gateway.Admin.PostJsonOkAsync($"api/sessions/{session}/webhooks", new { url = receiver.Url }, 201);
        var peer = await gateway.NewPhoneAsync();
        var sent = await gateway.Admin.PostJsonOkAsync($"api/sessions/{session}/messages", new { to = peer, text = "from postgres" }, 201);
        var id = sent["messageId"]!.GetValue<string>();
        await GatewayFixture.WaitUntilAsync(async () => (await gateway.InboxAsync(peer)).Any(m => m!["id"]!.GetValue<string>() == id), "the message at the phone");
        Assert.Equal("out", (await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}/messages/{id}"))["direction"]!.GetValue<string>());
        var arrived = await receiver.WaitForAsync(r => r.Event == "message.sent", "message.sent webhook");
        arrived.AssertSignedWith(hook["secret"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bad_input_is_refused_the_same_way_on_PostgreSQL()
    {
        var session = await GatewayFixture.NewSessionAsync(gateway.Admin);
        using (var malformed = await gateway.Admin.SendRawAsync(HttpMethod.Post, $"api/sessions/{session}/messages", "{\"to\":"))
        {
            await malformed.AssertErrorAsync(400, "invalid_json");
        }

        using (var phone = await gateway.Admin.PostAsJsonAsync($"api/sessions/{session}/messages", new { to = "nope", text = "x" }))
        {
            await phone.AssertErrorAsync(400, "invalid_phone", "to");
        }

        using var tenant = await gateway.Admin.PostAsJsonAsync("api/tenants", new { tenantId = "default" });
        await tenant.AssertErrorAsync(409, "tenant_exists", "tenantId");
        Assert.Empty((await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}/messages"))["items"]!.AsArray());
    }
}

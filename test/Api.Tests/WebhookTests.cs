using System.Net.Http.Json;
using WaOrleans.Api.Tests.Support;

namespace WaOrleans.Api.Tests;

/// <summary>Webhooks through the API, checked by an independent receiver: CRUD, test, deliveries, redeliver, tenant-wide hooks.</summary>
[Collection(SqliteGatewayCollection.Name)]
public sealed class WebhookTests(SqliteGatewayFixture gateway)
{
    [Fact]
    public async Task A_session_webhook_is_created_with_its_secret_once_tested_signed_listed_redelivered_and_deleted()
    {
        using var receiver = new WebhookReceiver();
        var session = await GatewayFixture.NewSessionAsync(gateway.Admin);
        var created = await gateway.Admin.PostJsonOkAsync($"api/sessions/{session}/webhooks", new { url = receiver.Url, events = new[] { "message.received", "webhook.test" } }, 201);
        var id = created["id"]!.GetValue<string>();
        var secret = created["secret"]!.GetValue<string>();
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);

        var listed = (await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}/webhooks"))["items"]!.AsArray();
        Assert.Null(Assert.Single(listed)!["secret"]);
        var one = await gateway.Admin.GetJsonOkAsync($"api/webhooks/{id}");
        Assert.Null(one["secret"]);
        Assert.Equal(receiver.Url, one["url"]!.GetValue<string>());

        var test = await gateway.Admin.PostJsonOkAsync($"api/webhooks/{id}/test", null, 202);
        var deliveryId = test["id"]!.GetValue<string>();
        var arrived = await receiver.WaitForAsync(r => r.Headers["webhook-id"] == deliveryId, "the test delivery");
        Assert.Equal("webhook.test", arrived.Event);
        arrived.AssertSignedWith(secret);

        await GatewayFixture.WaitUntilAsync(async () =>
            (await gateway.Admin.GetJsonOkAsync($"api/webhooks/{id}/deliveries"))["items"]!.AsArray()
                .Any(d => d!["id"]!.GetValue<string>() == deliveryId && d["status"]!.GetValue<string>() == "succeeded"), "the delivery to show as succeeded");
        var delivery = (await gateway.Admin.GetJsonOkAsync($"api/webhooks/{id}/deliveries"))["items"]!.AsArray().Single(d => d!["id"]!.GetValue<string>() == deliveryId)!;
        Assert.Equal(200, delivery["attemptLog"]![0]!["statusCode"]!.GetValue<int>());

        await gateway.Admin.PostJsonOkAsync($"api/webhooks/{id}/deliveries/{deliveryId}/redeliver", null, 202);
        await GatewayFixture.WaitUntilAsync(() => Task.FromResult(receiver.Received.Count(r => r.Headers["webhook-id"] == deliveryId) >= 2), "the redelivery with the same id");

        using (var patch = await gateway.Admin.SendJsonAsync(HttpMethod.Patch, $"api/webhooks/{id}", new { enabled = false, events = new[] { "*" } }))
        {
            var patched = await patch.ReadJsonAsync();
            Assert.False(patched["enabled"]!.GetValue<bool>());
            Assert.Equal("*", patched["events"]![0]!.GetValue<string>());
        }

        using (var delete = await gateway.Admin.DeleteAsync($"api/webhooks/{id}"))
        {
            Assert.Equal(204, (int)delete.StatusCode);
        }

        using var gone = await gateway.Admin.GetAsync($"api/webhooks/{id}");
        await gone.AssertErrorAsync(404, "webhook_not_found");
    }

    [Fact]
    public async Task A_tenant_wide_webhook_gets_messages_of_every_session_of_its_tenant()
    {
        using var receiver = new WebhookReceiver();
        var tenant = await gateway.NewTenantAsync();
        var (_, key) = await gateway.NewKeyAsync("tenant", tenant);
        using var client = gateway.Client(key);
        var created = await client.PostJsonOkAsync("api/webhooks", new { url = receiver.Url, events = new[] { "message.received" } }, 201);
        Assert.Equal(tenant, created["tenantId"]!.GetValue<string>());
        Assert.Null(created["sessionId"]);
        Assert.Contains((await client.GetJsonOkAsync("api/webhooks"))["items"]!.AsArray(), w => w!["id"]!.GetValue<string>() == created["id"]!.GetValue<string>());

        var phone = await gateway.NewPhoneAsync();
        var session = await GatewayFixture.NewSessionAsync(client);
        await gateway.PairAsync(client, session, phone);
        var peer = await gateway.NewPhoneAsync();
        var sent = await gateway.Sim.PostOkAsync($"sim/phones/{peer}/send", new { to = phone, text = "to the webhook" });
        var arrived = await receiver.WaitForAsync(r => r.Event == "message.received", "message.received");
        arrived.AssertSignedWith(created["secret"]!.GetValue<string>());
        Assert.Equal(session, arrived.Json["sessionId"]!.GetValue<string>());
        Assert.Equal(sent!["id"]!.GetValue<string>(), arrived.Json["data"]!["id"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{}""", 400, "url")]
    [InlineData("""{"url":"ftp://example.com/x"}""", 400, "url")]
    [InlineData("""{"url":"not a url"}""", 400, "url")]
    [InlineData("""{"url":"https://example.com/#frag"}""", 400, "url")]
    [InlineData("""{"url":"https://example.com/x","events":["no.such.event"]}""", 400, null)]
    [InlineData("""{"url":"https://example.com/x","events":"message.received"}""", 400, "events")]
    [InlineData("""{"url":"https://example.com/x","secret":"plain"}""", 400, null)]
    [InlineData("""{"url":"https://example.com/x","enabled":"yes"}""", 400, "enabled")]
    public async Task Bad_webhook_bodies_are_refused_and_create_nothing(string body, int status, string? field)
    {
        var session = await GatewayFixture.NewSessionAsync(gateway.Admin);
        using var response = await gateway.Admin.SendRawAsync(HttpMethod.Post, $"api/sessions/{session}/webhooks", body);
        await response.AssertErrorAsync(status, field: field);
        Assert.Empty((await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}/webhooks"))["items"]!.AsArray());
    }

    [Fact]
    public async Task The_same_url_twice_on_a_session_is_a_409()
    {
        using var receiver = new WebhookReceiver();
        var session = await GatewayFixture.NewSessionAsync(gateway.Admin);
        await gateway.Admin.PostJsonOkAsync($"api/sessions/{session}/webhooks", new { url = receiver.Url }, 201);
        using var again = await gateway.Admin.PostAsJsonAsync($"api/sessions/{session}/webhooks", new { url = receiver.Url });
        await again.AssertErrorAsync(409);
        Assert.Single((await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}/webhooks"))["items"]!.AsArray());
    }

    [Fact]
    public async Task Another_tenants_webhook_is_a_404_on_every_route_and_stays_as_it_was()
    {
        using var receiver = new WebhookReceiver();
        var (_, key) = await gateway.NewKeyAsync("tenant", await gateway.NewTenantAsync());
        var (_, otherKey) = await gateway.NewKeyAsync("tenant", await gateway.NewTenantAsync());
        using var client = gateway.Client(key);
        using var other = gateway.Client(otherKey);
        var theirs = (await other.PostJsonOkAsync("api/webhooks", new { url = receiver.Url }, 201))["id"]!.GetValue<string>();

        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, $"api/webhooks/{theirs}"),
            (HttpMethod.Patch, $"api/webhooks/{theirs}"),
            (HttpMethod.Delete, $"api/webhooks/{theirs}"),
            (HttpMethod.Get, $"api/webhooks/{theirs}/deliveries"),
            (HttpMethod.Post, $"api/webhooks/{theirs}/test"),
            (HttpMethod.Post, $"api/webhooks/{theirs}/deliveries/whd_x/redeliver"),
        })
        {
            using var response = await client.SendJsonAsync(method, path, method == HttpMethod.Patch ? new { enabled = false } : null);
            await response.AssertErrorAsync(404, "webhook_not_found");
        }

        Assert.True((await other.GetJsonOkAsync($"api/webhooks/{theirs}"))["enabled"]!.GetValue<bool>());
        Assert.Empty((await other.GetJsonOkAsync($"api/webhooks/{theirs}/deliveries"))["items"]!.AsArray());
    }

    [Fact]
    public async Task Unknown_webhooks_and_deliveries_are_404s_and_an_empty_patch_is_a_400()
    {
        using var receiver = new WebhookReceiver();
        using (var unknown = await gateway.Admin.GetAsync("api/webhooks/wh_nope"))
        {
            await unknown.AssertErrorAsync(404, "webhook_not_found");
        }

        var id = (await gateway.Admin.PostJsonOkAsync("api/webhooks", new { url = receiver.Url }, 201))["id"]!.GetValue<string>();
        using (var redeliver = await gateway.Admin.PostAsync($"api/webhooks/{id}/deliveries/whd_nope/redeliver", null))
        {
            await redeliver.AssertErrorAsync(404, "delivery_not_found");
        }

        using (var empty = await gateway.Admin.SendJsonAsync(HttpMethod.Patch, $"api/webhooks/{id}", new { }))
        {
            await empty.AssertErrorAsync(400, "empty_patch");
        }

        using var badLimit = await gateway.Admin.GetAsync($"api/webhooks/{id}/deliveries?limit=0");
        await badLimit.AssertErrorAsync(400, "invalid_limit", "limit");
    }
}

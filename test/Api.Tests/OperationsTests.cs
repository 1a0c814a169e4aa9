using System.Net.Http.Json;
using System.Text.Json.Nodes;
using WaOrleans.Api.Tests.Support;

namespace WaOrleans.Api.Tests;

/// <summary>What operators and integrators see: OpenAPI, the docs page, health probes, metrics, and logs without secrets.</summary>
[Collection(SqliteGatewayCollection.Name)]
public sealed class OperationsTests(SqliteGatewayFixture gateway)
{
    [Fact]
    public async Task The_OpenAPI_document_describes_every_route_its_security_and_examples_without_a_key()
    {
        using var anonymous = gateway.Client(null);
        var document = await anonymous.GetJsonOkAsync("openapi/v1.json");
        var paths = document["paths"]!.AsObject();
        foreach (var path in new[]
        {
            "/api/tenants", "/api/keys", "/api/keys/{keyId}", "/api/keys/{keyId}/rotate", "/api/usage", "/api/sessions", "/api/sessions/{id}",
            "/api/sessions/{id}/connect", "/api/sessions/{id}/disconnect", "/api/sessions/{id}/logout", "/api/sessions/{id}/restart",
            "/api/sessions/{id}/qr", "/api/sessions/{id}/me", "/api/sessions/{id}/events", "/api/sessions/{id}/messages",
            "/api/sessions/{id}/messages/{messageId}", "/api/send", "/api/sessions/{id}/broadcasts", "/api/broadcasts/{jobId}",
            "/api/broadcasts/{jobId}/cancel", "/api/sessions/{id}/contacts/check", "/api/sessions/{id}/chats", "/api/sessions/{id}/groups",
            "/api/sessions/{id}/groups/{jid}", "/api/sessions/{id}/webhooks", "/api/webhooks", "/api/webhooks/{webhookId}",
            "/api/webhooks/{webhookId}/deliveries", "/api/webhooks/{webhookId}/test", "/api/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver",
        })
        {
            Assert.True(paths.ContainsKey(path), $"the document lacks {path}");
        }

        var schemes = document["components"]!["securitySchemes"]!.AsObject();
        Assert.Equal("bearer", schemes["bearer"]!["scheme"]!.GetValue<string>());
        Assert.Equal("X-API-Key", schemes["apiKey"]!["name"]!.GetValue<string>());
        Assert.NotEmpty(document["security"]!.AsArray());
        var example = paths["/api/sessions/{id}/messages"]!["post"]!["requestBody"]!["content"]!["application/json"]!["example"];
        Assert.Equal("text", example!["type"]!.GetValue<string>());
        Assert.Contains("pairing_code", document.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_docs_page_is_served()
    {
        using var anonymous = gateway.Client(null);
        using var response = await anonymous.GetAsync("docs/");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Contains("<html", (await response.Content.ReadAsStringAsync()).ToLowerInvariant(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_Orleans_dashboard_asks_a_browser_for_the_admin_key_and_refuses_other_keys()
    {
        using var anonymous = gateway.Client(null);
        using (var challenge = await anonymous.GetAsync("orleans/"))
        {
            await challenge.AssertErrorAsync(401);
            Assert.Equal("Basic", challenge.Headers.WwwAuthenticate.Single().Scheme);
        }

        using var admin = gateway.Client(null);
        admin.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("admin:" + gateway.AdminKey)));
        using (var page = await admin.GetAsync("orleans/"))
        {
            Assert.Equal(200, (int)page.StatusCode);
            Assert.Contains("<html", (await page.Content.ReadAsStringAsync()).ToLowerInvariant(), StringComparison.Ordinal);
        }

        var (_, tenantKey) = await gateway.NewKeyAsync("tenant", await gateway.NewTenantAsync());
        using var tenant = gateway.Client(null);
        tenant.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("admin:" + tenantKey)));
        using var refused = await tenant.GetAsync("orleans/");
        await refused.AssertErrorAsync(403, "forbidden");
    }

    [Fact]
    public async Task Health_probes_answer_without_a_key()
    {
        using var anonymous = gateway.Client(null);
        Assert.Equal("ok", (await anonymous.GetJsonOkAsync("health/live"))["status"]!.GetValue<string>());
        var ready = await anonymous.GetJsonOkAsync("health/ready");
        Assert.Equal("ok", ready["checks"]!["database"]!.GetValue<string>());
        Assert.Equal("ok", ready["checks"]!["silo"]!.GetValue<string>());
    }

    [Fact]
    public async Task Metrics_are_exported_for_Prometheus_with_http_session_message_and_webhook_series()
    {
        using var receiver = new WebhookReceiver();
        var (session, me) = await gateway.NewPairedSessionAsync();
        var peer = await gateway.NewPhoneAsync();
        var hook = (await gateway.Admin.PostJsonOkAsync($"api/sessions/{session}/webhooks", new { url = receiver.Url }, 201))["id"]!.GetValue<string>();
        await gateway.Admin.PostJsonOkAsync($"api/sessions/{session}/messages", new { to = peer, text = "counted" }, 201);
        await gateway.Sim.PostOkAsync($"sim/phones/{peer}/send", new { to = me, text = "counted back" });
        await gateway.Admin.PostJsonOkAsync($"api/webhooks/{hook}/test", null, 202);

        using var anonymous = gateway.Client(null);
        string text = "";
        string[] series =
        [
            "http_server_request_duration_seconds", "waorleans_sessions", "waorleans_messages_sent", "waorleans_messages_received",
            "waorleans_webhook_deliveries",
        ];
        await GatewayFixture.WaitUntilAsync(async () =>
        {
            text = await anonymous.GetStringAsync("metrics");
            return series.All(s => text.Contains(s, StringComparison.Ordinal));
        }, "every series in /metrics");
        Assert.Contains("status=\"connected\"", text, StringComparison.Ordinal);
        Assert.Contains("type=\"text\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sent_message_shows_in_the_gateway_counters_and_the_send_latency_histogram()
    {
        var (session, _) = await gateway.NewPairedSessionAsync();
        var peer = await gateway.NewPhoneAsync();
        using var anonymous = gateway.Client(null);
        var before = SentCount(await anonymous.GetStringAsync("metrics"));
        await gateway.Admin.PostJsonOkAsync($"api/sessions/{session}/messages", new { to = peer, text = "counted" }, 201);
        string text = "";
        await GatewayFixture.WaitUntilAsync(async () =>
        {
            text = await anonymous.GetStringAsync("metrics");
            return SentCount(text) > before;
        }, "the sent message in waorleans_messages_sent_total");
        Assert.Contains("waorleans_send_duration_seconds_bucket", text, StringComparison.Ordinal);
    }

    /// <summary>Sums <c>waorleans_messages_sent_total</c> over its series (one per message type).</summary>
    private static double SentCount(string metrics) => metrics.Split('\n')
        .Where(l => l.StartsWith("waorleans_messages_sent_total", StringComparison.Ordinal))
        .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task Keys_webhook_secrets_and_QR_strings_never_reach_the_logs()
    {
        var tenant = await gateway.NewTenantAsync();
        var (_, key) = await gateway.NewKeyAsync("tenant", tenant);
        using var client = gateway.Client(key);
        var session = await GatewayFixture.NewSessionAsync(client);
        var created = await client.PostJsonOkAsync($"api/sessions/{session}/webhooks", new { url = "https://example.com/hook" }, 201);
        var secret = created["secret"]!.GetValue<string>();
        var chosen = "whsec_" + Convert.ToBase64String(Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray());
        using (var patch = await client.SendJsonAsync(HttpMethod.Patch, $"api/webhooks/{created["id"]}", new { secret = chosen }))
        {
            Assert.Equal(200, (int)patch.StatusCode);
        }

        await client.PostJsonOkAsync($"api/sessions/{session}/connect", new { method = "qr" });
        string? qr = null;
        await GatewayFixture.WaitUntilAsync(async () =>
        {
            using var response = await client.GetAsync($"api/sessions/{session}/qr");
            qr = response.IsSuccessStatusCode ? (await response.ReadJsonAsync())["qr"]!.GetValue<string>() : null;
            return qr is not null;
        }, "a QR");
        using (var bad = gateway.Client(key + "x"))
        {
            await bad.GetAsync("api/sessions");
        }

        await Task.Delay(500);
        var logs = gateway.Gateway.Output;
        Assert.DoesNotContain(key, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(key[12..], logs, StringComparison.Ordinal);
        Assert.DoesNotContain(gateway.AdminKey, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(secret["whsec_".Length..], logs, StringComparison.Ordinal);
        Assert.DoesNotContain(chosen["whsec_".Length..], logs, StringComparison.Ordinal);
        Assert.DoesNotContain(qr!, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(qr!.Split(',')[0], logs, StringComparison.Ordinal);
    }
}

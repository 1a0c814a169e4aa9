using System.Text;
using System.Text.Json.Nodes;
using WaOrleans.Api.Tests.Support;
using Xunit.Abstractions;

namespace WaOrleans.Api.Tests;

/// <summary>
/// Nothing a client sends may produce a 500: every route gets malformed JSON, wrong types in every
/// field, odd ids and query values, and every answer must be below 500 and, when an error, in the
/// API's error shape.
/// </summary>
[Collection(SqliteGatewayCollection.Name)]
public sealed class FuzzTests(SqliteGatewayFixture gateway, ITestOutputHelper output)
{
    private static readonly string[] Fields =
    [
        "to", "text", "type", "caption", "header", "footer", "media", "location", "contact", "poll", "reaction", "replyTo",
        "mentions", "idempotencyKey", "message", "recipients", "delayMin", "delayMax", "phones", "url", "events", "secret",
        "enabled", "tenantId", "sessionId", "name", "kind", "id", "method", "phoneNumber", "maxSessions", "dailyMessageLimit",
    ];

    private static readonly string[] BadValues =
    [
        "1", "-1", "1e308", "true", "[]", "{}", "null", "\"\"", "\"💥\\u0000\"", "[1,{\"a\":[]}]", "\"" + new string('x', 20_000) + "\"",
        "{\"url\":1,\"base64\":[],\"latitude\":\"n\",\"options\":{},\"messageId\":5,\"phone\":true}",
    ];

    private static readonly string[] RawBodies =
    [
        "", "{", "}", "null", "[]", "123", "\"text\"", "{\"to\":", "{\"a\":1,}", "\u0001\u0002", "<xml/>",
        new string('[', 200) + new string(']', 200), "{\"to\":\"15551234567\",\"text\":\"x\",\"to\":\"dup\"}",
    ];

    private static readonly string[] OddIds = ["%00", "..", "%2e%2e%2f", "a%20b", "💥", new string('x', 2000), "bc_", "wh_' OR 1=1 --"];

    [Fact]
    public async Task No_input_to_any_route_produces_a_500_and_every_error_has_the_shape()
    {
        var tenant = await gateway.NewTenantAsync();
        var (_, tenantKey) = await gateway.NewKeyAsync("tenant", tenant);
        using var client = gateway.Client(tenantKey);
        using var receiver = new WebhookReceiver();
        var session = await GatewayFixture.NewSessionAsync(client);
        var webhook = (await client.PostJsonOkAsync("api/webhooks", new { url = receiver.Url }, 201))["id"]!.GetValue<string>();
        var (keyId, _) = await gateway.NewKeyAsync("tenant", tenant);

        var routes = new (string Method, string Path)[]
        {
            ("POST", "api/tenants"), ("GET", "api/tenants"), ("GET", "api/tenants/{tenant}"), ("GET", "api/usage"),
            ("GET", "api/keys"), ("POST", "api/keys"), ("DELETE", "api/keys/{key}"), ("POST", "api/keys/{key}/rotate"),
            ("GET", "api/sessions"), ("POST", "api/sessions"), ("GET", "api/sessions/{session}"), ("PATCH", "api/sessions/{session}"),
            ("POST", "api/sessions/{session}/connect"), ("POST", "api/sessions/{session}/disconnect"),
            ("POST", "api/sessions/{session}/restart"), ("GET", "api/sessions/{session}/qr"), ("GET", "api/sessions/{session}/me"),
            ("POST", "api/sessions/{session}/messages"), ("GET", "api/sessions/{session}/messages"),
            ("GET", "api/sessions/{session}/messages/{message}"), ("GET", "api/sessions/{session}/messages/{message}/media"),
            ("POST", "api/send"), ("POST", "api/sessions/{session}/broadcasts"), ("GET", "api/broadcasts/{job}"),
            ("POST", "api/broadcasts/{job}/cancel"), ("GET", "api/sessions/{session}/contacts/check"),
            ("POST", "api/sessions/{session}/contacts/check"), ("GET", "api/sessions/{session}/chats"),
            ("GET", "api/sessions/{session}/groups"), ("GET", "api/sessions/{session}/groups/{group}"),
            ("GET", "api/sessions/{session}/webhooks"), ("POST", "api/sessions/{session}/webhooks"), ("GET", "api/webhooks"),
            ("POST", "api/webhooks"), ("GET", "api/webhooks/{webhook}"), ("PATCH", "api/webhooks/{webhook}"),
            ("GET", "api/webhooks/{webhook}/deliveries"), ("POST", "api/webhooks/{webhook}/test"),
            ("POST", "api/webhooks/{webhook}/deliveries/{delivery}/redeliver"),
            ("POST", "api/sessions/{session}/logout"), ("DELETE", "api/webhooks/{webhook}"), ("DELETE", "api/sessions/{session}"),
        };
        var real = new Dictionary<string, string>
        {
            ["{tenant}"] = tenant, ["{key}"] = keyId, ["{session}"] = session, ["{message}"] = "3EB0NOPE", ["{job}"] = "bc_nope",
            ["{group}"] = "1203630@g.us", ["{webhook}"] = webhook, ["{delivery}"] = "whd_nope",
        };
        var queries = new[] { "", "?limit=-1", "?limit=99999999999", "?since=%00", "?format=%F0%9F%92%A5", "?phone=%00", "?cursor=%FF%FE", "?direction=&status=&chat=", "?tenantId=" + new string('t', 300) };

        var requests = 0;
        var failures = new List<string>();
        async Task SendAsync(string method, string path, string? body, string contentType = "application/json")
        {
            requests++;
            using var response = await client.SendRawAsync(new HttpMethod(method), path, body, contentType);
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync();
            // Kestrel itself refuses a request line with a NUL before the application sees it: a 400
            // without a body is all HTTP allows there, so only the status is checked for those.
            var refusedByKestrel = status == 400 && text.Length == 0 && path.Contains("%00", StringComparison.Ordinal) && !path.Contains('?', StringComparison.Ordinal);
            if (status >= 500 || status >= 400 && !refusedByKestrel && !HasErrorShape(text, status))
            {
                failures.Add($"{method} {path[..Math.Min(path.Length, 120)]} body={Excerpt(body)} -> {status} {Excerpt(text)}");
            }
        }

        foreach (var (method, template) in routes)
        {
            var path = real.Aggregate(template, (p, r) => p.Replace(r.Key, Uri.EscapeDataString(r.Value), StringComparison.Ordinal));
            foreach (var query in queries)
            {
                await SendAsync(method, path + query, method is "GET" or "DELETE" ? null : "{}");
            }

            foreach (var id in OddIds)
            {
                var odd = real.Keys.Aggregate(template, (p, placeholder) => p.Replace(placeholder, id, StringComparison.Ordinal));
                await SendAsync(method, odd, method is "GET" or "DELETE" ? null : "{}");
            }

            if (method is "GET" or "DELETE")
            {
                continue;
            }

            foreach (var raw in RawBodies)
            {
                await SendAsync(method, path, raw);
            }

            await SendAsync(method, path, "{\"to\":\"15551234567\",\"text\":\"x\"}", "text/plain");
            await SendAsync(method, path, "to=15551234567&text=x", "application/x-www-form-urlencoded");
            foreach (var field in Fields)
            {
                foreach (var value in BadValues)
                {
                    await SendAsync(method, path, $"{{\"{field}\":{value}}}");
                }
            }
        }

        output.WriteLine($"{requests} requests, {failures.Count} failures");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(40)));
    }

    private static bool HasErrorShape(string text, int status)
    {
        try
        {
            var error = JsonNode.Parse(text)?["error"];
            return error?["status"]?.GetValue<int>() == status
                && !string.IsNullOrEmpty(error["code"]?.GetValue<string>())
                && !string.IsNullOrEmpty(error["message"]?.GetValue<string>());
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static string Excerpt(string? text) => text is null ? "-" : text.Length > 160 ? text[..160] + "…" : text;
}

using System.Globalization;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using WaOrleans.E2E.Support;
using Xunit.Abstractions;

namespace WaOrleans.E2E;

/// <summary>
/// The dashboard in a real browser (Debian's Chromium, headless) against the real gateway in demo
/// mode: sign in, create a session, see its QR, pair it with the simulated phone, see it connect,
/// send a message and see it in the log, receive one from the simulated contact, and create a
/// webhook whose test delivery reaches a receiver in this process. Screenshots of each step are
/// kept under the test's bin folder, in <c>artifacts/</c>.
/// </summary>
[Trait("Category", "E2E")]
public sealed partial class DashboardTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string SessionId = "e2e-demo";
    private const string DemoContact = "15550100001";

    private DashboardBrowser _ui = null!;
    private GatewayProcess _gateway = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        _ui = await DashboardBrowser.StartAsync(output, "walkthrough");
        _gateway = _ui.Gateway;
        _page = _ui.Page;
    }

    public async Task DisposeAsync()
    {
        if (_ui is not null)
        {
            await _ui.DisposeAsync();
        }
    }

    [Fact]
    public async Task Demo_walkthrough_signs_in_pairs_by_qr_sends_receives_and_delivers_a_webhook_test()
    {
        using var receiver = new WebhookReceiver();
        await _ui.RunAsync(() => WalkThroughAsync(receiver));
    }

    private async Task WalkThroughAsync(WebhookReceiver receiver)
    {
        var page = _page;

        // The configured user and password sign in (a wrong password does not), and signing out
        // revokes the admin key that sign-in minted.
        await page.GotoAsync("/");
        await page.FillAsync("#signin-user", GatewayProcess.DashboardUser);
        await page.FillAsync("#signin-pass", "wrong password");
        await page.ClickAsync("#signin-password button[type=submit]");
        await Assertions.Expect(page.Locator("#signin-error")).ToHaveTextAsync("Wrong user or password.");
        await Assertions.Expect(page.Locator("#nav")).ToBeHiddenAsync();
        await page.FillAsync("#signin-pass", GatewayProcess.DashboardPassword);
        await page.ClickAsync("#signin-password button[type=submit]");
        await Assertions.Expect(page.Locator("#nav")).ToBeVisibleAsync();
        var loginKeyId = await page.EvaluateAsync<string>("() => sessionStorage.getItem('waorleans.loginKeyId')");
        Assert.StartsWith("key_", loginKeyId, StringComparison.Ordinal);
        await page.ClickAsync("#sign-out");
        await Assertions.Expect(page.Locator("#view-signin")).ToBeVisibleAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('waorleans.key')"));
        await UntilAsync(async () => await IsRevokedAsync(loginKeyId), $"the sign-in key {loginKeyId} to be revoked");

        // Sign in with the admin key; the demo badge says what is running.
        await page.GotoAsync("/");
        await page.FillAsync("#signin-key-input", _gateway.AdminKey);
        await page.ClickAsync("#signin-key button[type=submit]");
        await Assertions.Expect(page.Locator("#nav")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#demo-badge")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#view-overview")).ToBeVisibleAsync();
        await ShotAsync("signed-in");

        // Create a session and connect it by QR: the QR image comes from the API, live.
        await page.ClickAsync("#nav a[href='#sessions']");
        await page.FillAsync("#session-create-id", SessionId);
        await page.FillAsync("#session-create-name", "E2E demo");
        await page.ClickAsync("#session-create button[type=submit]");
        await Assertions.Expect(page.Locator("#sd-id")).ToHaveTextAsync(SessionId);
        await Assertions.Expect(page.Locator($"#sessions-table tr[data-session='{SessionId}']")).ToBeVisibleAsync();
        await page.ClickAsync("#sd-connect");
        await Assertions.Expect(page.Locator("#sd-status")).ToHaveTextAsync("qr");
        await Assertions.Expect(page.Locator("#sd-qr-box")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#sd-qr")).ToHaveAttributeAsync("src", DataUrlPattern());
        // The status change arrived through the event stream (fetch() with the Authorization header).
        await Assertions.Expect(page.Locator("#sd-events")).ToContainTextAsync("session.");
        await ShotAsync("qr");

        // The simulated phone scans the QR: the session pairs and connects.
        await page.ClickAsync("#sd-demo-scan");
        await Assertions.Expect(page.Locator("#sd-status")).ToHaveTextAsync("connected");
        await Assertions.Expect(page.Locator("#sd-me")).ToContainTextAsync("Linked to");
        await Assertions.Expect(page.Locator("#sd-qr-box")).ToBeHiddenAsync();
        await ShotAsync("connected");

        // Send a text to the demo contact and find it in the message log.
        var sent = "Hello from the E2E test " + Guid.NewGuid().ToString("N")[..6];
        await page.ClickAsync("#nav a[href='#messages']");
        await page.SelectOptionAsync("#send-session", SessionId);
        await page.FillAsync("#send-to", "+" + DemoContact);
        await page.FillAsync("#send-text", sent);
        await page.ClickAsync("#send-form button[type=submit]");
        await Assertions.Expect(page.Locator("#send-result")).ToContainTextAsync("Message");
        await page.SelectOptionAsync("#log-session", SessionId);
        await UntilLogShowsAsync(sent, "out");
        await ShotAsync("sent-in-log");

        // The simulated contact sends the session a message; it shows in the log as inbound.
        var received = "Hi from the simulated phone " + Guid.NewGuid().ToString("N")[..6];
        await page.ClickAsync("#nav a[href='#sessions']");
        await page.ClickAsync($"#sessions-table tr[data-session='{SessionId}'] a");
        await Assertions.Expect(page.Locator("#sd-demo-incoming")).ToBeEnabledAsync();
        await page.FillAsync("#sd-demo-text", received);
        await page.ClickAsync("#sd-demo-incoming");
        await Assertions.Expect(page.Locator("#sd-events")).ToContainTextAsync("message.received");
        await page.ClickAsync("#nav a[href='#messages']");
        await page.SelectOptionAsync("#log-session", SessionId);
        await UntilLogShowsAsync(received, "in");
        await ShotAsync("received-in-log");

        // A webhook to a receiver in this process: the secret is shown once, and a test delivery succeeds.
        await page.ClickAsync("#nav a[href='#webhooks']");
        await page.SelectOptionAsync("#webhook-session", SessionId);
        await page.FillAsync("#webhook-url", receiver.Url.ToString());
        await page.ClickAsync("#webhook-form button[type=submit]");
        await Assertions.Expect(page.Locator("#webhook-secret")).ToContainTextAsync("whsec_");
        var row = page.Locator("#webhooks-table tbody tr", new PageLocatorOptions { HasText = receiver.Url.ToString() });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await row.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Send test" }).ClickAsync();
        var test = page.Locator("#deliveries-table tbody tr[data-event='webhook.test']");
        await UntilAsync(async () =>
        {
            await page.ClickAsync("#deliveries-refresh");
            return await test.Locator(".delivery-status").TextContentAsync() is { } text && text.Contains("succeeded", StringComparison.Ordinal);
        }, "the webhook.test delivery to succeed in the deliveries list");
        await Assertions.Expect(test.First).ToContainTextAsync("ok from the e2e receiver");
        var delivered = Assert.Single(receiver.Received, r => r.Method == "POST" && r.Event == "webhook.test");
        await ShotAsync("webhook-test-delivered");

        // Redeliver sends the same delivery again, under the same delivery id.
        await test.First.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Redeliver" }).ClickAsync();
        await UntilAsync(() => Task.FromResult(receiver.Received.Count(r => r.DeliveryId == delivered.DeliveryId) == 2),
            "the redelivery to reach the receiver with the same webhook-id");

        // The number checker tells the simulated contact (on WhatsApp) from a number WaSim does not know.
        await page.ClickAsync("#nav a[href='#numbers']");
        await page.SelectOptionAsync("#numbers-session", SessionId);
        await page.FillAsync("#numbers-input", $"+{DemoContact}\n+15550199999");
        await page.ClickAsync("#numbers-form button[type=submit]");
        await Assertions.Expect(page.Locator("#numbers-table tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#numbers-table tbody tr", new PageLocatorOptions { HasText = DemoContact })).ToContainTextAsync("yes");
        await Assertions.Expect(page.Locator("#numbers-table tbody tr", new PageLocatorOptions { HasText = "15550199999" })).ToContainTextAsync("no");
        await ShotAsync("numbers");

        // A broadcast to the contact (templated) and to a number not on WhatsApp: the progress bar fills
        // and each recipient's outcome shows.
        await page.ClickAsync("#nav a[href='#broadcasts']");
        await page.SelectOptionAsync("#broadcast-session", SessionId);
        await page.FillAsync("#broadcast-recipients", $"{DemoContact}, Demo\n15550199999");
        await page.FillAsync("#broadcast-text", "Hi {{name}}, this is the E2E broadcast");
        await page.FillAsync("#broadcast-min", "0");
        await page.FillAsync("#broadcast-max", "100");
        await page.ClickAsync("#broadcast-form button[type=submit]");
        await Assertions.Expect(page.Locator("#bj-status")).ToHaveTextAsync("completed");
        await Assertions.Expect(page.Locator("#bj-progress")).ToHaveJSPropertyAsync("value", 2);
        await Assertions.Expect(page.Locator("#bj-counts")).ToHaveTextAsync("2 of 2 processed: 1 sent, 1 failed");
        await Assertions.Expect(page.Locator("#bj-results tbody tr", new PageLocatorOptions { HasText = DemoContact })).ToContainTextAsync("sent");
        await Assertions.Expect(page.Locator("#bj-results tbody tr", new PageLocatorOptions { HasText = "15550199999" })).ToContainTextAsync("failed");
        await Assertions.Expect(page.Locator("#bj-cancel")).ToBeDisabledAsync();
        await ShotAsync("broadcast");

        // An API key is shown once; the demo endpoints refuse it (admin only); revoking it from the page ends it.
        await page.ClickAsync("#nav a[href='#keys']");
        await page.SelectOptionAsync("#key-kind", "tenant");
        await page.FillAsync("#key-name", "e2e tenant key");
        await page.ClickAsync("#key-form button[type=submit]");
        await Assertions.Expect(page.Locator("#key-secret")).ToContainTextAsync("wao_");
        var tenantKey = (await page.Locator("#key-secret").TextContentAsync())!.Split(": ", 2)[1].Trim();
        Assert.Equal(System.Net.HttpStatusCode.OK, await StatusWithKeyAsync(HttpMethod.Get, "api/sessions", tenantKey));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, await StatusWithKeyAsync(HttpMethod.Post, $"api/demo/sessions/{SessionId}/scan", tenantKey));
        var keyRow = page.Locator("#keys-table tbody tr", new PageLocatorOptions { HasText = "e2e tenant key" });
        await keyRow.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Revoke" }).ClickAsync();
        await Assertions.Expect(keyRow).ToContainTextAsync("revoked");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, await StatusWithKeyAsync(HttpMethod.Get, "api/sessions", tenantKey));
        await ShotAsync("keys");

        // The overview counts what happened: one connected session, messages sent today.
        await page.ClickAsync("#nav a[href='#overview']");
        await Assertions.Expect(page.Locator("#ov-sessions")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("#ov-by-status")).ToContainTextAsync("connected");
        var sentToday = System.Text.Json.Nodes.JsonNode.Parse(await AdminGetAsync("api/usage"))!["messagesToday"]!["used"]!.GetValue<long>();
        Assert.True(sentToday >= 2, $"the usage counts {sentToday} messages sent today after a send and a broadcast");
        await Assertions.Expect(page.Locator("#ov-today")).ToHaveTextAsync(sentToday.ToString(CultureInfo.InvariantCulture));
        await Assertions.Expect(page.Locator("#ov-failing")).ToHaveTextAsync("0");
        await ShotAsync("overview");

        // The demo endpoints refuse what cannot work with the API's error shape, never a 500.
        await ExpectDemoErrorAsync("api/demo/sessions/no-such-session/scan", "{}", 404, "session_not_found");
        await ExpectDemoErrorAsync($"api/demo/sessions/{SessionId}/scan", "{}", 409, "no_qr");
        await ExpectDemoErrorAsync($"api/demo/sessions/{SessionId}/incoming", "{\"text\":\"\"}", 400, "invalid_text");
        await ExpectDemoErrorAsync($"api/demo/sessions/{SessionId}/incoming", "{\"text\":\"hi\",\"from\":\"../root-key\"}", 400, "invalid_phone");
        await ExpectDemoErrorAsync("api/demo/sessions/no-such-session/incoming", "{\"text\":\"hi\"}", 404, "session_not_found");
        await ExpectDemoErrorAsync($"api/demo/sessions/{SessionId}/incoming", "{\"text\":", 400, null);
    }

    private async Task ExpectDemoErrorAsync(string path, string json, int status, string? code)
    {
        using var http = new HttpClient { BaseAddress = _gateway.BaseUri };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _gateway.AdminKey);
        using var response = await http.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"POST {path} {json}: expected {status}, got {(int)response.StatusCode} {body}");
        var error = System.Text.Json.Nodes.JsonNode.Parse(body)!["error"]!;
        Assert.Equal(status, (int)error["status"]!);
        if (code is not null)
        {
            Assert.Equal(code, (string?)error["code"]);
        }
    }

    private async Task<string> AdminGetAsync(string path)
    {
        using var http = new HttpClient { BaseAddress = _gateway.BaseUri };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _gateway.AdminKey);
        return await http.GetStringAsync(path);
    }

    private async Task<System.Net.HttpStatusCode> StatusWithKeyAsync(HttpMethod method, string path, string key)
    {
        using var http = new HttpClient { BaseAddress = _gateway.BaseUri };
        using var request = new HttpRequestMessage(method, path) { Content = method == HttpMethod.Post ? JsonContent.Create(new { }) : null };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private async Task<bool> IsRevokedAsync(string keyId)
    {
        using var http = new HttpClient { BaseAddress = _gateway.BaseUri };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _gateway.AdminKey);
        var keys = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync("api/keys"))!["items"]!.AsArray();
        var key = keys.FirstOrDefault(k => (string?)k!["id"] == keyId);
        return key is null || key["revokedAt"] is not null;
    }

    private async Task UntilLogShowsAsync(string text, string direction)
    {
        var row = _page.Locator($"#log-table tbody tr[data-direction='{direction}']", new PageLocatorOptions { HasText = text });
        await UntilAsync(async () =>
        {
            await _page.ClickAsync("#log-form button[type=submit]");
            return await row.CountAsync() == 1;
        }, $"the {direction} message \"{text}\" in the log");
    }

    private static Task UntilAsync(Func<Task<bool>> condition, string what) => DashboardBrowser.UntilAsync(condition, what);

    private Task ShotAsync(string name) => _ui.ShotAsync(name);

    [GeneratedRegex("^data:image/png;base64,")]
    private static partial Regex DataUrlPattern();
}

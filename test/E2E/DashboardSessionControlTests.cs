using System.Net;
using Microsoft.Playwright;
using WaOrleans.E2E.Support;
using Xunit.Abstractions;

namespace WaOrleans.E2E;

/// <summary>
/// Taking a session offline and back from the dashboard, and what a disabled webhook gets: each
/// step checked in the page and against what the REST API says the server holds.
/// </summary>
[Trait("Category", "E2E")]
public sealed class DashboardSessionControlTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_session_disconnects_and_reconnects_from_the_dashboard_and_a_disabled_webhook_receives_nothing()
    {
        await using var ui = await DashboardBrowser.StartAsync(output, "session-control");
        using var receiver = new WebhookReceiver();
        await ui.RunAsync(async () =>
        {
            const string id = "e2e-control";
            await ui.PairByQrAsync(id);
            await ui.SignInAsync();
            await DisconnectAndReconnectAsync(ui, id);
            await DisabledWebhookGetsNothingAsync(ui, id, receiver);
        });
    }

    private static async Task DisconnectAndReconnectAsync(DashboardBrowser ui, string id)
    {
        var page = ui.Page;
        await ui.OpenAsync("sessions");
        var tableStatus = page.Locator($"#sessions-table tr[data-session='{id}'] .session-status");
        await Assertions.Expect(tableStatus).ToHaveTextAsync("connected");
        await page.Locator($"#sessions-table tr[data-session='{id}']").GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Open" }).ClickAsync();
        await Assertions.Expect(page.Locator("#sd-id")).ToHaveTextAsync(id);
        await Assertions.Expect(page.Locator("#sd-status")).ToHaveTextAsync("connected");
        var meJid = (string?)(await ui.ApiOkAsync(HttpMethod.Get, $"api/sessions/{id}"))["meJid"];
        Assert.NotNull(meJid);

        // Disconnect: offline in the detail, the table and the API, still linked to its number.
        await page.ClickAsync("#sd-disconnect");
        await Assertions.Expect(page.Locator("#sd-status")).ToHaveTextAsync("disconnected");
        await Assertions.Expect(tableStatus).ToHaveTextAsync("disconnected");
        var server = await ui.ApiOkAsync(HttpMethod.Get, $"api/sessions/{id}");
        Assert.Equal("disconnected", (string?)server["status"]);
        Assert.Equal(meJid, (string?)server["meJid"]);
        await Assertions.Expect(page.Locator("#sd-me")).ToContainTextAsync("Linked to");
        await ui.ShotAsync("disconnected");

        // While it is offline the contact writes; the message waits at the server.
        var text = "E2E while offline " + Guid.NewGuid().ToString("N")[..6];
        var incoming = await ui.ApiOkAsync(HttpMethod.Post, $"api/demo/sessions/{id}/incoming", new { text });
        var messageId = (string)incoming["messageId"]!;

        // Connect again: the stored credentials link it back to the same number without a new QR, and
        // the message sent while it was offline arrives.
        await page.ClickAsync("#sd-connect");
        await Assertions.Expect(page.Locator("#sd-status")).ToHaveTextAsync("connected");
        await Assertions.Expect(tableStatus).ToHaveTextAsync("connected");
        await Assertions.Expect(page.Locator("#sd-qr-box")).ToBeHiddenAsync();
        server = await ui.ApiOkAsync(HttpMethod.Get, $"api/sessions/{id}");
        Assert.Equal(("connected", meJid), ((string?)server["status"], (string?)server["meJid"]));
        await DashboardBrowser.UntilAsync(
            async () => (await ui.ApiAsync(HttpMethod.Get, $"api/sessions/{id}/messages/{messageId}")).Status == HttpStatusCode.OK,
            "the message sent while offline in the log after reconnecting");
        await ui.ShotAsync("reconnected");
    }

    private static async Task DisabledWebhookGetsNothingAsync(DashboardBrowser ui, string id, WebhookReceiver receiver)
    {
        var page = ui.Page;
        // Two webhooks of the session on the same listener, told apart by their paths.
        var enabledUrl = new Uri(receiver.Url, "/hooks/enabled");
        var disabledUrl = new Uri(receiver.Url, "/hooks/disabled");
        await ui.OpenAsync("webhooks");
        var enabledId = await CreateWebhookAsync(ui, id, enabledUrl);
        var disabledId = await CreateWebhookAsync(ui, id, disabledUrl);

        var disabledRow = page.Locator($"#webhooks-table tbody tr[data-webhook='{disabledId}']");
        await disabledRow.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Disable" }).ClickAsync();
        await Assertions.Expect(disabledRow.Locator(".status")).ToHaveTextAsync("disabled");
        await Assertions.Expect(page.Locator($"#webhooks-table tbody tr[data-webhook='{enabledId}'] .status")).ToHaveTextAsync("enabled");
        Assert.False((bool)(await ui.ApiOkAsync(HttpMethod.Get, $"api/webhooks/{disabledId}"))["enabled"]!);
        Assert.True((bool)(await ui.ApiOkAsync(HttpMethod.Get, $"api/webhooks/{enabledId}"))["enabled"]!);
        await ui.ShotAsync("one-webhook-disabled");

        // The simulated contact writes; the enabled webhook getting the message is the sync point.
        var text = "E2E webhook " + Guid.NewGuid().ToString("N")[..6];
        var messageId = (string)(await ui.ApiOkAsync(HttpMethod.Post, $"api/demo/sessions/{id}/incoming", new { text }))["messageId"]!;
        await DashboardBrowser.UntilAsync(
            () => Task.FromResult(receiver.Received.Any(r => r.Path == enabledUrl.AbsolutePath && r.Event == "message.received" && r.Body.Contains(messageId, StringComparison.Ordinal))),
            "the enabled webhook to get the message");

        // Deliveries are queued for every matching webhook when the event happens, so by now one for
        // the disabled webhook would exist: none does, and its URL was never called.
        Assert.Empty((await ui.ApiOkAsync(HttpMethod.Get, $"api/webhooks/{disabledId}/deliveries"))["items"]!.AsArray());
        Assert.DoesNotContain(receiver.Received, r => r.Path == disabledUrl.AbsolutePath);
        Assert.Contains((await ui.ApiOkAsync(HttpMethod.Get, $"api/webhooks/{enabledId}/deliveries"))["items"]!.AsArray(), d => (string?)d!["eventType"] == "message.received");

        // The page shows the same: the enabled webhook's deliveries list the message, the disabled one's none.
        await page.Locator($"#webhooks-table tbody tr[data-webhook='{enabledId}']").GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Deliveries" }).ClickAsync();
        await Assertions.Expect(page.Locator("#deliveries-url")).ToHaveTextAsync(enabledUrl.ToString());
        await Assertions.Expect(page.Locator("#deliveries-table tbody tr[data-event='message.received']")).ToHaveCountAsync(1);
        await ui.ShotAsync("enabled-webhook-delivered");
        await disabledRow.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Deliveries" }).ClickAsync();
        await Assertions.Expect(page.Locator("#deliveries-url")).ToHaveTextAsync(disabledUrl.ToString());
        await Assertions.Expect(page.Locator("#deliveries-table tbody tr[data-delivery]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#deliveries-table tbody")).ToContainTextAsync("No deliveries yet.");
        await ui.ShotAsync("disabled-webhook-no-deliveries");
    }

    /// <summary>Creates a webhook for the session's received messages in the form; returns its id.</summary>
    private static async Task<string> CreateWebhookAsync(DashboardBrowser ui, string sessionId, Uri url)
    {
        var page = ui.Page;
        await page.SelectOptionAsync("#webhook-session", sessionId);
        await page.FillAsync("#webhook-url", url.ToString());
        // Only received messages: nothing else the session does may reach either webhook meanwhile.
        await page.FillAsync("#webhook-events", "message.received");
        await page.ClickAsync("#webhook-form button[type=submit]");
        var row = page.Locator("#webhooks-table tbody tr", new PageLocatorOptions { HasText = url.ToString() });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        return (await row.GetAttributeAsync("data-webhook"))!;
    }
}

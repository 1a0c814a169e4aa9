using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using WaOrleans.E2E.Support;
using Xunit.Abstractions;

namespace WaOrleans.E2E;

/// <summary>
/// The dashboard's management features in a real browser against the real gateway in demo mode,
/// each step checked twice: what the page shows, and what the REST API says the server holds.
/// Pairing by code (the simulated phone types the code the page shows), restart, log out and
/// delete; a QR that refreshes by itself; sending an uploaded image and a document by URL; the
/// message log's filters; disabling, enabling and deleting a webhook; cancelling a slow broadcast;
/// rotating and revoking an API key.
/// </summary>
[Trait("Category", "E2E")]
public sealed partial class DashboardManagementTests(ITestOutputHelper output)
{
    private const string DemoContact = "15550100001";

    // A 1×1 PNG: a real image for the upload.
    private const string PngBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

    [Fact]
    public async Task Session_pairs_by_code_then_restarts_logs_out_and_is_deleted_from_the_dashboard()
    {
        await using var ui = await DashboardBrowser.StartAsync(output, "session-lifecycle");
        await ui.RunAsync(async () =>
        {
            const string id = "e2e-code";
            const string qrId = "e2e-qr";
            var page = ui.Page;
            await ui.SignInAsync();

            // A second tab shows another session's QR while this one pairs by code: WaSim replaces the
            // first QR after 60 s, and the tab must show the new one by itself (event stream → new image).
            var qrTab = await ui.NewSignedInPageAsync();
            await qrTab.ClickAsync("#nav a[href='#sessions']");
            await qrTab.FillAsync("#session-create-id", qrId);
            await qrTab.ClickAsync("#session-create button[type=submit]");
            await Assertions.Expect(qrTab.Locator("#sd-id")).ToHaveTextAsync(qrId);
            await qrTab.ClickAsync("#sd-connect");
            await Assertions.Expect(qrTab.Locator("#sd-qr")).ToHaveAttributeAsync("src", new Regex("^data:image/png;base64,"));
            var firstQr = (await qrTab.Locator("#sd-qr").GetAttributeAsync("src"))!;
            Assert.Equal(firstQr, (string?)(await ui.ApiOkAsync(HttpMethod.Get, $"api/sessions/{qrId}/qr"))["dataUrl"]);

            await ui.OpenAsync("sessions");
            await page.FillAsync("#session-create-id", id);
            await page.ClickAsync("#session-create button[type=submit]");
            await Assertions.Expect(page.Locator("#sd-id")).ToHaveTextAsync(id);

            // A new simulated phone; the session asks a pairing code for its number.
            await page.ClickAsync("#sd-demo-phone");
            await Assertions.Expect(page.Locator("#sd-pair-phone")).ToHaveValueAsync(SimulatedPhonePattern());
            var phone = (await page.InputValueAsync("#sd-pair-phone")).TrimStart('+');
            await page.ClickAsync("#sd-pair");
            await Assertions.Expect(page.Locator("#sd-status")).ToHaveTextAsync("pairing_code");
            await Assertions.Expect(page.Locator("#sd-code-box")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#sd-code")).ToHaveTextAsync(FormattedCodePattern());
            var shown = (await page.Locator("#sd-code").TextContentAsync())!;
            var server = await ui.ApiOkAsync(HttpMethod.Get, $"api/sessions/{id}");
            Assert.Equal("pairing_code", (string?)server["status"]);
            Assert.Equal(shown.Replace("-", "", StringComparison.Ordinal), ((string?)server["pairingCode"])?.Replace("-", "", StringComparison.Ordinal));
            await ui.ShotAsync("pairing-code");

            // The simulated phone types the code as shown (with its dash): the session links to that phone.
            await Assertions.Expect(page.Locator("#sd-demo-code")).ToBeEnabledAsync();
            await page.ClickAsync("#sd-demo-code");
            await Assertions.Expect(page.Locator("#sd-status")).ToHaveTextAsync("connected");
            await Assertions.Expect(page.Locator("#sd-me")).ToContainTextAsync("Linked to " + phone);
            await Assertions.Expect(page.Locator("#sd-code-box")).ToBeHiddenAsync();
            await Assertions.Expect(page.Locator("#sd-demo-code")).ToBeDisabledAsync();
            server = await ui.ApiOkAsync(HttpMethod.Get, $"api/sessions/{id}");
            Assert.Equal("connected", (string?)server["status"]);
            var meJid = (string?)server["meJid"];
            Assert.StartsWith(phone, meJid, StringComparison.Ordinal);
            await ui.ShotAsync("paired-by-code");

            // The demo refuses a code entry when the session shows no code, with the API's error shape.
            // Bad input gets a typed error, never a 500.
            foreach (var (path, body, status, code) in new (string, object, HttpStatusCode, string)[]
            {
                ($"api/demo/sessions/{id}/pair-code", new { phone, code = shown }, HttpStatusCode.Conflict, "no_pairing_code"),
                ($"api/demo/sessions/{id}/pair-code", new { phone = "../sim", code = shown }, HttpStatusCode.BadRequest, "invalid_phone"),
                ($"api/demo/sessions/{id}/pair-code", new { phone }, HttpStatusCode.BadRequest, "invalid_code"),
                ("api/demo/sessions/no-such-session/pair-code", new { phone, code = shown }, HttpStatusCode.NotFound, "session_not_found"),
            })
            {
                var (refused, error) = await ui.ApiAsync(HttpMethod.Post, path, body);
                Assert.True(refused == status, $"POST {path}: expected {status}, got {refused} {error?.ToJsonString()}");
                Assert.Equal(code, (string?)error!["error"]!["code"]);
            }

            // Restart: the page shows the session go through connecting and come back connected, same number.
            var connecting = page.Locator("#sd-events li", new PageLocatorOptions { HasText = "connecting" });
            var before = await connecting.CountAsync();
            await page.ClickAsync("#sd-restart");
            await DashboardBrowser.UntilAsync(async () => await connecting.CountAsync() > before, "a connecting event after the restart");
            await Assertions.Expect(page.Locator("#sd-status")).ToHaveTextAsync("connected");
            await DashboardBrowser.UntilAsync(async () => (string?)(await ui.ApiOkAsync(HttpMethod.Get, $"api/sessions/{id}"))["status"] == "connected", "the API to say connected after the restart");
            Assert.Equal(meJid, (string?)(await ui.ApiOkAsync(HttpMethod.Get, $"api/sessions/{id}"))["meJid"]);
            await ui.ShotAsync("restarted");

            // Log out (confirmed): unlinked, in the detail and in the table.
            await page.ClickAsync("#sd-logout");
            await Assertions.Expect(page.Locator("#sd-status")).ToHaveTextAsync("logged_out");
            await Assertions.Expect(page.Locator("#sd-me")).ToHaveTextAsync("Not linked yet.");
            await Assertions.Expect(page.Locator($"#sessions-table tr[data-session='{id}'] .session-status")).ToHaveTextAsync("logged_out");
            server = await ui.ApiOkAsync(HttpMethod.Get, $"api/sessions/{id}");
            Assert.Equal("logged_out", (string?)server["status"]);
            Assert.Null((string?)server["meJid"]);
            await ui.ShotAsync("logged-out");

            // Delete (confirmed): gone from the page and from the server.
            await page.ClickAsync("#sd-delete");
            await Assertions.Expect(page.Locator("#session-detail")).ToBeHiddenAsync();
            await Assertions.Expect(page.Locator($"#sessions-table tr[data-session='{id}']")).ToHaveCountAsync(0);
            Assert.Equal(HttpStatusCode.NotFound, (await ui.ApiAsync(HttpMethod.Get, $"api/sessions/{id}")).Status);
            await ui.ShotAsync("deleted");

            // Meanwhile the QR tab got a new code without a reload: another image, announced by a second
            // session.qr event, and the image the API serves now.
            await Assertions.Expect(qrTab.Locator("#sd-qr")).Not.ToHaveAttributeAsync("src", firstQr, new LocatorAssertionsToHaveAttributeOptions { Timeout = 120_000 });
            await Assertions.Expect(qrTab.Locator("#sd-events li", new PageLocatorOptions { HasText = "session.qr" })).Not.ToHaveCountAsync(1);
            await Assertions.Expect(qrTab.Locator("#sd-status")).ToHaveTextAsync("qr");
            await DashboardBrowser.UntilAsync(
                async () => (string?)(await ui.ApiOkAsync(HttpMethod.Get, $"api/sessions/{qrId}/qr"))["dataUrl"] == await qrTab.Locator("#sd-qr").GetAttributeAsync("src"),
                "the tab to show the QR the API serves");
            await ui.ShotAsync(qrTab, "qr-refreshed");
        });
    }

    [Fact]
    public async Task Dashboard_sends_media_by_upload_and_url_filters_the_log_manages_webhooks_cancels_a_broadcast_and_rotates_a_key()
    {
        await using var ui = await DashboardBrowser.StartAsync(output, "operations");
        using var receiver = new WebhookReceiver();
        await ui.RunAsync(async () =>
        {
            const string id = "e2e-ops";
            await ui.PairByQrAsync(id);
            await ui.SignInAsync();
            await SendImageAsync(ui, id);
            await SendDocumentByUrlAsync(ui, id, receiver);
            await FilterLogAsync(ui, id);
            await ManageWebhookAsync(ui, id, receiver);
            await CancelBroadcastAsync(ui, id);
            await RotateKeyAsync(ui);
        });
    }

    private static async Task SendImageAsync(DashboardBrowser ui, string id)
    {
        var page = ui.Page;
        var caption = "E2E picture " + Guid.NewGuid().ToString("N")[..6];
        await ui.OpenAsync("messages");
        await page.SelectOptionAsync("#send-session", id);
        await page.FillAsync("#send-to", "+" + DemoContact);
        await page.SelectOptionAsync("#send-type", "image");
        await Assertions.Expect(page.Locator("#send-file")).ToBeVisibleAsync();
        await page.SetInputFilesAsync("#send-file", new FilePayload { Name = "dot.png", MimeType = "image/png", Buffer = Convert.FromBase64String(PngBase64) });
        await page.FillAsync("#send-text", caption);
        await page.ClickAsync("#send-form button[type=submit]");
        await Assertions.Expect(page.Locator("#send-result")).ToHaveTextAsync(SentResultPattern());
        var messageId = (await page.Locator("#send-result").TextContentAsync())!.Split(' ')[1];

        await page.SelectOptionAsync("#log-session", id);
        var row = page.Locator($"#log-table tbody tr[data-message='{messageId}']");
        await UntilAsync(ui, row, 1);
        await Assertions.Expect(row).ToHaveAttributeAsync("data-type", "image");
        await Assertions.Expect(row).ToContainTextAsync(caption);
        var stored = await ui.ApiOkAsync(HttpMethod.Get, $"api/sessions/{id}/messages/{messageId}");
        Assert.Equal("image", (string?)stored["type"]);
        Assert.Equal("out", (string?)stored["direction"]);
        Assert.Equal(caption, (string?)stored["text"]);
        Assert.Equal("image/png", (string?)stored["mimeType"]);
        Assert.NotEqual("failed", (string?)stored["status"]);
        await ui.ShotAsync("image-sent");
    }

    private static async Task SendDocumentByUrlAsync(DashboardBrowser ui, string id, WebhookReceiver receiver)
    {
        // The gateway fetches the URL itself (the demo allows loopback URLs); the upload field is empty.
        var page = ui.Page;
        var caption = "E2E document " + Guid.NewGuid().ToString("N")[..6];
        var url = receiver.MediaUrl("notes.txt");
        await page.SelectOptionAsync("#send-type", "document");
        await page.SetInputFilesAsync("#send-file", Array.Empty<FilePayload>());
        await page.FillAsync("#send-url", url.ToString());
        await page.FillAsync("#send-text", caption);
        var previous = await CurrentResultIdAsync(page);
        await page.ClickAsync("#send-form button[type=submit]");
        await Assertions.Expect(page.Locator("#send-result")).Not.ToContainTextAsync("Message " + previous + " ");
        await Assertions.Expect(page.Locator("#send-result")).ToHaveTextAsync(SentResultPattern());
        var messageId = (await page.Locator("#send-result").TextContentAsync())!.Split(' ')[1];
        Assert.Contains(receiver.Received, r => r.Method == "GET" && r.Path == url.AbsolutePath);

        var row = page.Locator($"#log-table tbody tr[data-message='{messageId}']");
        await UntilAsync(ui, row, 1);
        await Assertions.Expect(row).ToHaveAttributeAsync("data-type", "document");
        await Assertions.Expect(row).ToContainTextAsync(caption);
        var stored = await ui.ApiOkAsync(HttpMethod.Get, $"api/sessions/{id}/messages/{messageId}");
        Assert.Equal(("document", "out", caption), ((string?)stored["type"], (string?)stored["direction"], (string?)stored["text"]));
        Assert.Equal("notes.txt", (string?)stored["fileName"]);
        Assert.Equal(WebhookReceiver.MediaBytes.Length, (long?)stored["mediaSize"]);
        Assert.NotEqual("failed", (string?)stored["status"]);
        await ui.ShotAsync("document-sent-by-url");
    }

    private static async Task<string> CurrentResultIdAsync(IPage page) =>
        ((await page.Locator("#send-result").TextContentAsync()) ?? "").Split(' ').ElementAtOrDefault(1) ?? "";

    private static async Task FilterLogAsync(DashboardBrowser ui, string id)
    {
        var page = ui.Page;

        // Two chats: the demo contact (an outbound text and an inbound one) and a second simulated phone (inbound).
        var other = (string)(await ui.ApiOkAsync(HttpMethod.Post, "api/demo/phones", new { }))["phone"]!;
        var outText = "E2E out " + Guid.NewGuid().ToString("N")[..6];
        var inText = "E2E in " + Guid.NewGuid().ToString("N")[..6];
        var otherText = "E2E other " + Guid.NewGuid().ToString("N")[..6];
        await ui.ApiOkAsync(HttpMethod.Post, $"api/sessions/{id}/messages", new { to = DemoContact, type = "text", text = outText });
        await ui.ApiOkAsync(HttpMethod.Post, $"api/demo/sessions/{id}/incoming", new { text = inText });
        await ui.ApiOkAsync(HttpMethod.Post, $"api/demo/sessions/{id}/incoming", new { text = otherText, from = other });
        await DashboardBrowser.UntilAsync(async () => (await LogAsync(ui, id, "")).Count(m => (string?)m["direction"] == "in") >= 2, "both inbound messages in the log");

        var rows = page.Locator("#log-table tbody tr[data-message]");
        async Task ShowAsync(string direction, string status, string chat)
        {
            await page.SelectOptionAsync("#log-direction", direction);
            await page.SelectOptionAsync("#log-status", status);
            await page.FillAsync("#log-chat", chat);
            await page.ClickAsync("#log-form button[type=submit]");
        }

        // Inbound only: both received texts, nothing outbound; the same rows the API gives for that filter.
        await ShowAsync("in", "", "");
        var inbound = await LogAsync(ui, id, "direction=in");
        await Assertions.Expect(rows).ToHaveCountAsync(inbound.Count);
        await Assertions.Expect(page.Locator("#log-table tbody tr[data-direction='out']")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#log-table tbody")).ToContainTextAsync(inText);
        await Assertions.Expect(page.Locator("#log-table tbody")).ToContainTextAsync(otherText);
        await Assertions.Expect(page.Locator("#log-table tbody")).Not.ToContainTextAsync(outText);
        await ui.ShotAsync("log-inbound");

        // Outbound only: the text and the image, no inbound row.
        await ShowAsync("out", "", "");
        var outbound = await LogAsync(ui, id, "direction=out");
        Assert.True(outbound.Count >= 2, $"two outbound messages, the API lists {outbound.Count}");
        await Assertions.Expect(rows).ToHaveCountAsync(outbound.Count);
        await Assertions.Expect(page.Locator("#log-table tbody tr[data-direction='in']")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#log-table tbody")).ToContainTextAsync(outText);

        // Status received (inbound's status) and chat = the second phone typed as +number: only its one message.
        await ShowAsync("", "received", "+" + other);
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows).ToContainTextAsync(otherText);
        // WaSim's phones write from their LIDs: the chat filter by number finds the message stored under the LID chat.
        var otherChat = await LogAsync(ui, id, $"status=received&chat={other}");
        var otherMessage = Assert.Single(otherChat);
        Assert.Equal(otherText, (string?)otherMessage["text"]);
        Assert.Equal(other, (string?)otherMessage["senderPhone"]);
        await Assertions.Expect(rows).ToHaveAttributeAsync("data-chat", (string)otherMessage["chat"]!);
        await ui.ShotAsync("log-chat-filter");

        // The demo contact's chat: both directions of it, not the other phone.
        await ShowAsync("", "", DemoContact);
        var contactChat = await LogAsync(ui, id, $"chat={DemoContact}");
        Assert.Contains(contactChat, m => (string?)m["text"] == inText);
        Assert.Contains(contactChat, m => (string?)m["text"] == outText);
        await Assertions.Expect(rows).ToHaveCountAsync(contactChat.Count);
        await Assertions.Expect(page.Locator("#log-table tbody")).Not.ToContainTextAsync(otherText);
        await ui.ShotAsync("log-contact-by-number");

        // The inbound message came from the contact's LID: shown under the number, the LID kept beside it (and on the row).
        var received = contactChat.First(m => (string?)m["text"] == inText);
        var contactLid = (string)received["chatLid"]!;
        Assert.EndsWith("@lid", contactLid, StringComparison.Ordinal);
        Assert.Equal(DemoContact + "@s.whatsapp.net", (string?)received["chat"]);
        var receivedRow = page.Locator($"#log-table tbody tr[data-message='{(string)received["messageId"]!}']");
        await Assertions.Expect(receivedRow).ToHaveAttributeAsync("data-chat", DemoContact + "@s.whatsapp.net");
        await Assertions.Expect(receivedRow).ToHaveAttributeAsync("data-chat-lid", contactLid);
        await Assertions.Expect(page.Locator("#log-table tbody")).Not.ToContainTextAsync("@lid");

        // And the other way round: the contact's LID finds what was sent to its number.
        await ShowAsync("", "", contactLid);
        Assert.Equal(contactChat.Select(m => (string?)m["messageId"]).Order(), (await LogAsync(ui, id, $"chat={Uri.EscapeDataString(contactLid)}")).Select(m => (string?)m["messageId"]).Order());
        await Assertions.Expect(rows).ToHaveCountAsync(contactChat.Count);
        await Assertions.Expect(page.Locator("#log-table tbody")).ToContainTextAsync(outText);

        // A filter nothing matches says so.
        await ShowAsync("out", "received", "");
        await Assertions.Expect(rows).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#log-table tbody")).ToContainTextAsync("No messages match.");

        // Since: a time after everything hides it all, a time before shows it all again.
        await ShowAsync("", "", "");
        await page.FillAsync("#log-since", DateTime.Now.AddDays(1).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await page.ClickAsync("#log-form button[type=submit]");
        await Assertions.Expect(rows).ToHaveCountAsync(0);
        await page.FillAsync("#log-since", DateTime.Now.AddDays(-1).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await page.ClickAsync("#log-form button[type=submit]");
        await Assertions.Expect(rows).ToHaveCountAsync((await LogAsync(ui, id, "")).Count);
        await page.FillAsync("#log-since", "");
    }

    private static async Task ManageWebhookAsync(DashboardBrowser ui, string id, WebhookReceiver receiver)
    {
        var page = ui.Page;
        await ui.OpenAsync("webhooks");
        await page.SelectOptionAsync("#webhook-session", id);
        await page.FillAsync("#webhook-url", receiver.Url.ToString());
        await page.ClickAsync("#webhook-form button[type=submit]");
        await Assertions.Expect(page.Locator("#webhook-secret")).ToContainTextAsync("whsec_");
        var row = page.Locator("#webhooks-table tbody tr", new PageLocatorOptions { HasText = receiver.Url.ToString() });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        var webhookId = (await row.GetAttributeAsync("data-webhook"))!;
        Assert.True((bool)(await ui.ApiOkAsync(HttpMethod.Get, $"api/webhooks/{webhookId}"))["enabled"]!);

        await row.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Disable" }).ClickAsync();
        await Assertions.Expect(row.Locator(".status")).ToHaveTextAsync("disabled");
        await Assertions.Expect(row.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Enable" })).ToBeVisibleAsync();
        Assert.False((bool)(await ui.ApiOkAsync(HttpMethod.Get, $"api/webhooks/{webhookId}"))["enabled"]!);
        await ui.ShotAsync("webhook-disabled");

        await row.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Enable" }).ClickAsync();
        await Assertions.Expect(row.Locator(".status")).ToHaveTextAsync("enabled");
        await Assertions.Expect(row.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Disable" })).ToBeVisibleAsync();
        Assert.True((bool)(await ui.ApiOkAsync(HttpMethod.Get, $"api/webhooks/{webhookId}"))["enabled"]!);

        // Enabled again, it delivers: a test delivery reaches the receiver.
        await row.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Send test" }).ClickAsync();
        await DashboardBrowser.UntilAsync(() => Task.FromResult(receiver.Received.Any(r => r.Event == "webhook.test")), "the test delivery after enabling");

        await row.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Delete" }).ClickAsync();
        await Assertions.Expect(page.Locator($"#webhooks-table tbody tr[data-webhook='{webhookId}']")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#deliveries")).ToBeHiddenAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await ui.ApiAsync(HttpMethod.Get, $"api/webhooks/{webhookId}")).Status);
        await ui.ShotAsync("webhook-deleted");
    }

    private static async Task CancelBroadcastAsync(DashboardBrowser ui, string id)
    {
        var page = ui.Page;
        await ui.OpenAsync("broadcasts");
        await page.SelectOptionAsync("#broadcast-session", id);
        // Five recipients a minute apart: the first goes at once, the rest wait long enough to cancel.
        await page.FillAsync("#broadcast-recipients", string.Join('\n', Enumerable.Range(0, 5).Select(i => $"{DemoContact}, Reader {i}")));
        await page.FillAsync("#broadcast-text", "Hi {{name}}, a slow E2E broadcast");
        await page.FillAsync("#broadcast-min", "60000");
        await page.FillAsync("#broadcast-max", "60000");
        await page.ClickAsync("#broadcast-form button[type=submit]");
        await Assertions.Expect(page.Locator("#bj-id")).ToHaveTextAsync(new Regex(".+"));
        var jobId = (await page.Locator("#bj-id").TextContentAsync())!;
        await Assertions.Expect(page.Locator("#bj-status")).ToHaveTextAsync(new Regex("^(pending|running)$"));
        await Assertions.Expect(page.Locator("#bj-cancel")).ToBeEnabledAsync();
        await page.ClickAsync("#bj-cancel");
        await Assertions.Expect(page.Locator("#bj-status")).ToHaveTextAsync("cancelled");
        await Assertions.Expect(page.Locator("#bj-cancel")).ToBeDisabledAsync();
        var job = await ui.ApiOkAsync(HttpMethod.Get, $"api/broadcasts/{jobId}");
        Assert.Equal("cancelled", (string?)job["status"]);
        Assert.Equal(5, (int)job["total"]!);
        var processed = (int)job["processed"]!;
        Assert.True(processed < 5, $"a cancelled broadcast stops early; it processed {processed} of 5");
        await Assertions.Expect(page.Locator("#bj-progress")).ToHaveJSPropertyAsync("value", processed);
        await Assertions.Expect(page.Locator("#bj-counts")).ToContainTextAsync($"{processed} of 5 processed");
        // The recipients it never reached say why, none stays "pending".
        await Assertions.Expect(page.Locator("#bj-results tbody tr[data-status='cancelled']")).ToHaveCountAsync(5 - processed);
        await Assertions.Expect(page.Locator("#bj-results tbody tr[data-status='pending']")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#bj-results tbody tr[data-status='cancelled']").First).ToContainTextAsync("not sent: the broadcast was cancelled");
        await ui.ShotAsync("broadcast-cancelled");

        // It stays cancelled: nothing more is sent later.
        Assert.Equal(processed, (int)(await ui.ApiOkAsync(HttpMethod.Get, $"api/broadcasts/{jobId}"))["processed"]!);
    }

    private static async Task RotateKeyAsync(DashboardBrowser ui)
    {
        var page = ui.Page;
        await ui.OpenAsync("keys");
        await page.SelectOptionAsync("#key-kind", "tenant");
        await page.FillAsync("#key-name", "e2e rotated key");
        await page.ClickAsync("#key-form button[type=submit]");
        await Assertions.Expect(page.Locator("#key-secret")).ToContainTextAsync("wao_");
        var first = SecretOf(await page.Locator("#key-secret").TextContentAsync());
        Assert.Equal(HttpStatusCode.OK, (await ui.ApiAsync(HttpMethod.Get, "api/sessions", key: first)).Status);

        // The secret is shown once: the list has only its prefix, and a reload does not show it again.
        var row = page.Locator("#keys-table tbody tr", new PageLocatorOptions { HasText = "e2e rotated key" });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row).Not.ToContainTextAsync(first);
        await row.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Rotate" }).ClickAsync();
        await Assertions.Expect(page.Locator("#key-secret")).Not.ToContainTextAsync(first);
        await Assertions.Expect(page.Locator("#key-secret")).ToContainTextAsync("wao_");
        var second = SecretOf(await page.Locator("#key-secret").TextContentAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await ui.ApiAsync(HttpMethod.Get, "api/sessions", key: first)).Status);
        Assert.Equal(HttpStatusCode.OK, (await ui.ApiAsync(HttpMethod.Get, "api/sessions", key: second)).Status);
        // The old row shows revoked; the replacement is live with a Revoke button.
        var live = page.Locator("#keys-table tbody tr", new PageLocatorOptions { HasText = "e2e rotated key" }).Filter(new LocatorFilterOptions { Has = page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Revoke" }) });
        await Assertions.Expect(live).ToHaveCountAsync(1);
        await ui.ShotAsync("key-rotated");

        await live.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Revoke" }).ClickAsync();
        await Assertions.Expect(live).ToHaveCountAsync(0);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ui.ApiAsync(HttpMethod.Get, "api/sessions", key: second)).Status);
        var keys = (await ui.ApiOkAsync(HttpMethod.Get, "api/keys"))["items"]!.AsArray();
        Assert.All(keys.Where(k => (string?)k!["name"] == "e2e rotated key"), k => Assert.NotNull(k!["revokedAt"]));
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#keys-table tbody tr", new PageLocatorOptions { HasText = "e2e rotated key" }).First).ToContainTextAsync("revoked");
        await Assertions.Expect(page.Locator("#key-secret")).ToBeHiddenAsync();
        await ui.ShotAsync("key-revoked");
    }

    private static string SecretOf(string? text) => text!.Split(": ", 2)[1].Trim();

    private static async Task<List<JsonNode>> LogAsync(DashboardBrowser ui, string id, string query) =>
        [.. (await ui.ApiOkAsync(HttpMethod.Get, $"api/sessions/{id}/messages?limit=200&{query}"))["items"]!.AsArray().Select(m => m!)];

    private static async Task UntilAsync(DashboardBrowser ui, ILocator row, int count) =>
        await DashboardBrowser.UntilAsync(async () =>
        {
            await ui.Page.ClickAsync("#log-form button[type=submit]");
            return await row.CountAsync() == count;
        }, "the message in the log");

    [GeneratedRegex(@"^\+1555011\d{5}$")]
    private static partial Regex SimulatedPhonePattern();

    [GeneratedRegex("^[0-9A-Z]{4}-[0-9A-Z]{4}$")]
    private static partial Regex FormattedCodePattern();

    [GeneratedRegex(@"^Message \S+ (pending|sent|delivered|read)")]
    private static partial Regex SentResultPattern();
}

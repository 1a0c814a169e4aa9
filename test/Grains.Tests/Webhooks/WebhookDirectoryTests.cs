using WaOrleans.Grains.Events;
using WaOrleans.Grains.Webhooks;

namespace WaOrleans.Grains.Tests.Webhooks;

/// <summary>The webhook registry through the grain: create, read, change, delete, and the errors an API user gets.</summary>
public sealed class WebhookDirectoryTests
{
    [Theory, InlineData(Provider.Sqlite), PostgresData]
    public async Task A_webhook_is_created_read_changed_and_deleted_and_its_secret_shown_only_when_set(Provider provider)
    {
        await using var harness = await WebhookHarness.StartAsync(provider);
        var directory = harness.Directory;

        var created = await harness.CreateAsync("t1", "s1", "hook");
        Assert.StartsWith("wh_", created.Id, StringComparison.Ordinal);
        Assert.Equal(["*"], created.Events);
        Assert.True(created.Enabled);
        Assert.Null(created.FailingSince);
        Assert.NotNull(created.Secret);
        var key = Convert.FromBase64String(created.Secret!["whsec_".Length..]);
        Assert.InRange(key.Length, 24, 64);

        Assert.DoesNotContain(created.Secret!, created.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("whsec_", new WebhookSpec { TenantId = "t1", Url = "http://x/", Secret = created.Secret }.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("whsec_", new WebhookPatch { Secret = created.Secret }.ToString(), StringComparison.Ordinal);

        var read = await directory.GetAsync("t1", created.Id);
        Assert.NotNull(read);
        Assert.Null(read!.Secret);
        Assert.Equal(created.Url, read.Url);
        Assert.Equal("s1", read.SessionId);
        Assert.Equal(created.Id, Assert.Single(await directory.ListAsync("t1", "s1")).Id);
        Assert.Null((await directory.GetAsync(null, created.Id))!.Secret);

        var tenantWide = await directory.CreateAsync(new WebhookSpec { TenantId = "t1", Url = harness.Receiver.BaseUrl + "all", Events = ["message.received", "message.received", "session.status"] });
        Assert.Null(tenantWide.SessionId);
        Assert.Equal(["message.received", "session.status"], tenantWide.Events);
        Assert.Equal(2, (await directory.ListAsync("t1", null)).Count);
        Assert.Single(await directory.ListAsync("t1", "s1"));

        var changed = await directory.UpdateAsync("t1", created.Id, new WebhookPatch { Events = ["message.sent"], Enabled = false });
        Assert.Equal(["message.sent"], changed.Events);
        Assert.False(changed.Enabled);
        Assert.Null(changed.Secret);
        Assert.False((await directory.GetAsync("t1", created.Id))!.Enabled);

        var secret = "whsec_" + Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        var rotated = await directory.UpdateAsync("t1", created.Id, new WebhookPatch { Secret = secret, Url = harness.Receiver.BaseUrl + "moved" });
        Assert.Equal(secret, rotated.Secret);
        Assert.Equal(harness.Receiver.BaseUrl + "moved", rotated.Url);
        Assert.Equal(["message.sent"], rotated.Events);

        Assert.True(await directory.DeleteAsync("t1", created.Id));
        Assert.Null(await directory.GetAsync("t1", created.Id));
        Assert.False(await directory.DeleteAsync("t1", created.Id));
        Assert.Single(await directory.ListAsync("t1", null));
    }

    [Theory, InlineData(Provider.Sqlite), PostgresData]
    public async Task Another_tenants_webhook_is_not_found(Provider provider)
    {
        await using var harness = await WebhookHarness.StartAsync(provider);
        var directory = harness.Directory;
        var mine = await harness.CreateAsync("t1", "s1", "hook");

        Assert.Null(await directory.GetAsync("t2", mine.Id));
        Assert.Empty(await directory.ListAsync("t2", null));
        Assert.Empty(await directory.ListAsync("t2", "s1"));
        Assert.False(await directory.DeleteAsync("t2", mine.Id));
        await AssertErrorAsync(GatewayErrorKind.NotFound, "webhook_not_found", "webhookId", () => directory.UpdateAsync("t2", mine.Id, new WebhookPatch { Enabled = false }));
        await AssertErrorAsync(GatewayErrorKind.NotFound, "webhook_not_found", "webhookId", () => directory.ListDeliveriesAsync("t2", mine.Id, 10));
        await AssertErrorAsync(GatewayErrorKind.NotFound, "webhook_not_found", "webhookId", () => directory.TestAsync("t2", mine.Id));
        await AssertErrorAsync(GatewayErrorKind.NotFound, "webhook_not_found", "webhookId", () => directory.RedeliverAsync("t2", mine.Id, "msg_x"));
        await AssertErrorAsync(GatewayErrorKind.NotFound, "delivery_not_found", "deliveryId", () => directory.RedeliverAsync("t1", mine.Id, "msg_x"));

        // Still there and unchanged for its owner.
        Assert.True((await directory.GetAsync("t1", mine.Id))!.Enabled);
    }

    [Theory, InlineData(Provider.Sqlite), PostgresData]
    public async Task Bad_webhooks_are_refused_naming_the_field(Provider provider)
    {
        await using var harness = await WebhookHarness.StartAsync(provider);
        var directory = harness.Directory;
        var baseUrl = harness.Receiver.BaseUrl;
        Task<WebhookInfo> Create(string url, IReadOnlyList<string>? events = null, string? secret = null, string? session = "s1") =>
            directory.CreateAsync(new WebhookSpec { TenantId = "t1", SessionId = session, Url = url, Events = events, Secret = secret });

        await AssertErrorAsync(GatewayErrorKind.Invalid, "webhook_url_invalid", "url", () => Create("not a url"));
        await AssertErrorAsync(GatewayErrorKind.Invalid, "webhook_url_invalid", "url", () => Create("/relative/hook"));
        await AssertErrorAsync(GatewayErrorKind.Invalid, "webhook_url_invalid", "url", () => Create("ftp://127.0.0.1/hook"));
        await AssertErrorAsync(GatewayErrorKind.Invalid, "webhook_url_invalid", "url", () => Create(""));
        await AssertErrorAsync(GatewayErrorKind.Invalid, "webhook_url_invalid", "url", () => Create(baseUrl + "hook#section"));
        await AssertErrorAsync(GatewayErrorKind.Invalid, "webhook_url_too_long", "url", () => Create(baseUrl + new string('a', 2049 - baseUrl.Length)));
        await AssertErrorAsync(GatewayErrorKind.Invalid, "webhook_events_invalid", "events", () => Create(baseUrl + "e", ["message.received", "message.exploded"]));
        await AssertErrorAsync(GatewayErrorKind.Invalid, "webhook_events_invalid", "events", () => Create(baseUrl + "e", []));
        await AssertErrorAsync(GatewayErrorKind.Invalid, "webhook_secret_invalid", "secret", () => Create(baseUrl + "s", secret: "plain-text-secret"));
        await AssertErrorAsync(GatewayErrorKind.Invalid, "webhook_secret_invalid", "secret", () => Create(baseUrl + "s", secret: "whsec_" + Convert.ToBase64String(new byte[8])));
        await AssertErrorAsync(GatewayErrorKind.Invalid, "webhook_secret_invalid", "secret", () => Create(baseUrl + "s", secret: "whsec_not*base64"));
        await AssertErrorAsync(GatewayErrorKind.Invalid, "session_invalid", "sessionId", () => Create(baseUrl + "s", session: " "));
        Assert.Empty(await directory.ListAsync("t1", null));

        // The longest URL allowed is fine; so is "*" among names (it means all).
        Assert.NotNull(await Create(baseUrl + new string('a', 2048 - baseUrl.Length)));
        Assert.Equal(["*"], (await Create(baseUrl + "star", ["session.qr", "*"])).Events);

        // The same URL, normalized (scheme and host case, default path), twice on one session: a conflict.
        await Create(baseUrl + "dup");
        await AssertErrorAsync(GatewayErrorKind.Conflict, "webhook_duplicate", "url", () => Create(baseUrl + "dup"));
        await AssertErrorAsync(GatewayErrorKind.Conflict, "webhook_duplicate", "url", () => Create(baseUrl.Replace("http://", "HTTP://", StringComparison.Ordinal) + "dup"));
        await Create(baseUrl);
        await AssertErrorAsync(GatewayErrorKind.Conflict, "webhook_duplicate", "url", () => Create(baseUrl.TrimEnd('/')));

        // On another session, tenant-wide, or for another tenant it is a different webhook.
        await Create(baseUrl + "dup", session: "s2");
        var wide = await Create(baseUrl + "dup", session: null);
        await AssertErrorAsync(GatewayErrorKind.Conflict, "webhook_duplicate", "url", () => Create(baseUrl + "dup", session: null));
        await directory.CreateAsync(new WebhookSpec { TenantId = "t2", SessionId = "s1", Url = baseUrl + "dup" });

        // Moving a webhook onto a URL its scope already has is a conflict too, and changes nothing.
        var other = await Create(baseUrl + "other", session: null);
        await AssertErrorAsync(GatewayErrorKind.Conflict, "webhook_duplicate", "url", () => directory.UpdateAsync("t1", other.Id, new WebhookPatch { Url = baseUrl + "dup" }));
        Assert.Equal(baseUrl + "other", (await directory.GetAsync("t1", other.Id))!.Url);
        await AssertErrorAsync(GatewayErrorKind.Invalid, "webhook_url_invalid", "url", () => directory.UpdateAsync("t1", wide.Id, new WebhookPatch { Url = "mailto:x@y" }));
        await AssertErrorAsync(GatewayErrorKind.Invalid, "webhook_events_invalid", "events", () => directory.UpdateAsync("t1", wide.Id, new WebhookPatch { Events = ["nope"] }));
        await AssertErrorAsync(GatewayErrorKind.Invalid, "limit_invalid", "limit", () => directory.ListDeliveriesAsync("t1", wide.Id, 0));
    }

    [Theory, InlineData(Provider.Sqlite), PostgresData]
    public async Task The_event_feed_reads_a_sessions_events_in_order_after_a_sequence(Provider provider)
    {
        await using var harness = await WebhookHarness.StartAsync(provider);
        var feed = harness.Cluster.Client.GetGrain<IEventFeedGrain>(0);
        var start = await feed.GetLatestSequenceAsync();

        var published = new List<GatewayEvent>();
        for (var i = 0; i < 5; i++)
        {
            var gatewayEvent = WebhookHarness.Event("t1", i % 2 == 0 ? "s1" : "s2", GatewayEventTypes.MessageReceived);
            published.Add(gatewayEvent);
            Assert.True(await harness.Outbox.PublishAsync(gatewayEvent));
        }

        Assert.False(await harness.Outbox.PublishAsync(published[0]));
        var s1 = await feed.ReadAsync("s1", start, 100);
        Assert.Equal(published.Where(e => e.SessionId == "s1").Select(e => e.EventId), s1.Select(e => e.Event.EventId));
        Assert.Equal(published[0] with { Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(published[0].Timestamp.ToUnixTimeMilliseconds()) }, s1[0].Event);
        Assert.True(s1[0].Sequence < s1[1].Sequence);
        Assert.Equal([s1[2].Event.EventId], (await feed.ReadAsync("s1", s1[1].Sequence, 100)).Select(e => e.Event.EventId));
        Assert.Single(await feed.ReadAsync("s1", start, 1));
        Assert.Equal(2, (await feed.ReadAsync("s2", start, 100)).Count);
        Assert.Equal(s1[2].Sequence, await feed.GetLatestSequenceAsync());
    }

    internal static async Task AssertErrorAsync(GatewayErrorKind kind, string code, string? field, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<GatewayException>(call);
        Assert.Equal(kind, error.Kind);
        Assert.Equal(code, error.Code);
        Assert.Equal(field, error.Field);
    }
}

using System.Net;
using WaOrleans.Grains.Events;
using WaOrleans.Grains.Webhooks;

namespace WaOrleans.Grains.Tests.Webhooks;

/// <summary>Without the operator's leave, webhooks cannot reach private, loopback or link-local addresses.</summary>
public sealed class WebhookTargetPolicyTests
{
    [Fact]
    public async Task Private_targets_are_refused_at_creation_unless_the_operator_allows_them()
    {
        var options = WebhookHarness.FastOptions();
        options.AllowPrivateTargets = false;
        await using var harness = await WebhookHarness.StartAsync(Provider.Sqlite, options);
        string[] refused =
        [
            "http://127.0.0.1:8080/hook", "http://127.9.9.9/", "http://localhost/hook", "https://api.localhost/",
            "http://10.1.2.3/", "http://172.16.0.1/", "http://172.31.255.255/", "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data", "http://0.0.0.0/", "http://[::1]/", "http://[fc00::1]/",
            "http://[fd12:3456::1]/", "http://[fe80::1]/", "http://[::ffff:127.0.0.1]/", "http://2130706433/",
        ];
        foreach (var url in refused)
        {
            var error = await Assert.ThrowsAsync<GatewayException>(() => harness.Directory.CreateAsync(new WebhookSpec { TenantId = "t1", Url = url }));
            Assert.True(error.Code == "webhook_target_not_allowed" && error.Field == "url" && error.Kind == GatewayErrorKind.Invalid, $"{url}: {error.Code} {error.Message}");
        }

        // A public address literal needs no DNS and is fine; so is moving onto one.
        var created = await harness.Directory.CreateAsync(new WebhookSpec { TenantId = "t1", Url = "https://93.184.215.14/hook" });
        await harness.Directory.CreateAsync(new WebhookSpec { TenantId = "t1", Url = "https://[2606:4700:4700::1111]/hook" });
        await WebhookDirectoryTests.AssertErrorAsync(GatewayErrorKind.Invalid, "webhook_target_not_allowed", "url",
            () => harness.Directory.UpdateAsync("t1", created.Id, new WebhookPatch { Url = "http://192.168.0.10/hook" }));
        Assert.Equal("https://93.184.215.14/hook", (await harness.Directory.GetAsync("t1", created.Id))!.Url);
    }

    [Fact]
    public async Task A_webhook_that_points_at_a_private_address_when_it_is_sent_is_not_sent()
    {
        // As if the host had resolved to a public address at creation and to loopback now.
        await using var database = await WebhookDatabase.CreateAsync(Provider.Sqlite);
        await using var receiver = WebhookReceiver.Start();
        var options = WebhookHarness.FastOptions();
        options.AllowPrivateTargets = false;
        var webhook = await WebhookWorkerTests.InsertWebhookAsync(database.Storage, "t1", "s1", receiver.BaseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal) + "hook");
        var (outbox, worker) = WebhookWorkerTests.StartWorker(database.Storage, options);
        await using (worker)
        {
            await outbox.PublishAsync(WebhookHarness.Event("t1", "s1", GatewayEventTypes.MessageReceived));
            var table = new WebhookTable(database.Storage);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            IReadOnlyList<WebhookDelivery> deliveries;
            while ((deliveries = await table.ListDeliveriesAsync(webhook.Id, null, 10, CancellationToken.None)).Single().Attempts < 2)
            {
                Assert.True(DateTime.UtcNow < deadline, "two attempts");
                await Task.Delay(50);
            }

            Assert.All(deliveries.Single().AttemptLog, a =>
            {
                Assert.Null(a.StatusCode);
                Assert.Contains("private", a.ResponseExcerpt, StringComparison.Ordinal);
            });
            Assert.Empty(receiver.Requests);
        }
    }

    [Theory]
    [InlineData("9.255.255.255", false)]
    [InlineData("11.0.0.0", false)]
    [InlineData("100.63.255.255", false)]
    [InlineData("100.64.0.1", true)]
    [InlineData("169.253.255.255", false)]
    [InlineData("172.15.255.255", false)]
    [InlineData("172.32.0.0", false)]
    [InlineData("192.167.255.255", false)]
    [InlineData("192.169.0.0", false)]
    [InlineData("223.255.255.255", false)]
    [InlineData("224.0.0.1", true)]
    [InlineData("255.255.255.255", true)]
    [InlineData("2001:db8::1", false)]
    [InlineData("fbff::1", false)]
    [InlineData("fc00::", true)]
    [InlineData("fdff:ffff::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("febf::1", true)]
    [InlineData("fec0::1", false)]
    [InlineData("ff02::1", true)]
    [InlineData("::", true)]
    [InlineData("::ffff:10.0.0.1", true)]
    [InlineData("::ffff:8.8.8.8", false)]
    public void Address_ranges_are_classified_at_their_edges(string address, bool isPrivate) =>
        Assert.Equal(isPrivate, PrivateTargetGuard.IsPrivate(IPAddress.Parse(address)));
}

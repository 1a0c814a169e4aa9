using WaOrleans.Grains.Messages;
using WaOrleans.Grains.Tests.Support;

namespace WaOrleans.Grains.Tests.Messages;

/// <summary>The message log's queries: filters, pages that neither repeat nor skip, chats, counts, and typed errors.</summary>
public sealed class MessageLogTests
{
    [Fact]
    public Task Filters_and_pagination_on_sqlite() => RunAsync(postgres: false);

    [PostgresFact]
    [Trait("Category", "Postgres")]
    public Task Filters_and_pagination_on_postgres() => RunAsync(postgres: true);

    private static async Task RunAsync(bool postgres)
    {
        await using var harness = await GatewayHarness.StartAsync(postgres);
        var sessionId = "log-" + Guid.NewGuid().ToString("N");
        var tenantId = "tenant-" + Guid.NewGuid().ToString("N");
        var start = DateTimeOffset.UtcNow.AddMinutes(-30);
        // 25 messages over two chats, both directions; two share a timestamp to exercise the cursor's tie-break.
        for (var i = 0; i < 25; i++)
        {
            var outbound = i % 3 == 0;
            var record = new MessageRecord
            {
                SessionId = sessionId,
                MessageId = $"M{i:D3}",
                Direction = outbound ? "out" : "in",
                Chat = i % 2 == 0 ? "15550107001@s.whatsapp.net" : "15550107002@s.whatsapp.net",
                Status = outbound ? (i == 3 ? "failed" : "sent") : "received",
                Type = "text",
                Text = $"message {i}",
                PushName = outbound ? null : "Chatty",
                Timestamp = start.AddSeconds(i == 11 ? 10 : i),
                UpdatedAt = start,
            };
            var connection = await harness.Storage.OpenConnectionAsync();
            await using (connection)
            {
                Assert.True(await MessageTable.InsertAsync(connection, null, new LoggedMessage(record, tenantId, outbound, null, 0), start.AddSeconds(i), default));
            }
        }

        var log = harness.Grains.GetGrain<IMessageLogGrain>(0);
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await log.QueryAsync(sessionId, new MessageQuery { Limit = 4, Cursor = cursor });
            Assert.InRange(page.Items.Count, 1, 4);
            seen.AddRange(page.Items.Select(m => m.MessageId));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(7, pages);
        Assert.Equal(25, seen.Distinct().Count());
        Assert.Equal(25, seen.Count);
        Assert.Equal("M024", seen[0]);

        var outboundOnly = await log.QueryAsync(sessionId, new MessageQuery { Direction = "out", Limit = 200 });
        Assert.Equal(9, outboundOnly.Items.Count);
        Assert.All(outboundOnly.Items, m => Assert.Equal("out", m.Direction));
        Assert.Single((await log.QueryAsync(sessionId, new MessageQuery { Status = "failed" })).Items);
        var chat = await log.QueryAsync(sessionId, new MessageQuery { Chat = "15550107002@s.whatsapp.net", Limit = 200 });
        Assert.Equal(12, chat.Items.Count);
        var recent = await log.QueryAsync(sessionId, new MessageQuery { Since = start.AddSeconds(20), Limit = 200 });
        Assert.Equal(["M024", "M023", "M022", "M021", "M020"], recent.Items.Select(m => m.MessageId));

        var chats = await log.GetChatsAsync(sessionId, 10);
        Assert.Equal(2, chats.Count);
        Assert.Equal("15550107001@s.whatsapp.net", chats[0].Chat);
        Assert.Equal(13, chats[0].MessageCount);
        Assert.Equal("Chatty", chats[0].Name);

        // Outbound, not failed, accepted since the start: 8 of the 9.
        Assert.Equal(8, await log.CountSentAsync(tenantId, sessionId, start.AddSeconds(-1)));
        Assert.Equal(8, await log.CountSentAsync(tenantId, null, start.AddSeconds(-1)));

        foreach (var limit in new[] { 0, 201 })
        {
            var invalid = await Assert.ThrowsAsync<GatewayException>(() => log.QueryAsync(sessionId, new MessageQuery { Limit = limit }));
            Assert.Equal((GatewayErrorKind.Invalid, "limit"), (invalid.Kind, invalid.Field));
        }

        var badCursor = await Assert.ThrowsAsync<GatewayException>(() => log.QueryAsync(sessionId, new MessageQuery { Cursor = "not-a-cursor" }));
        Assert.Equal("cursor", badCursor.Field);
        var badDirection = await Assert.ThrowsAsync<GatewayException>(() => log.QueryAsync(sessionId, new MessageQuery { Direction = "sideways" }));
        Assert.Equal("direction", badDirection.Field);
    }
}

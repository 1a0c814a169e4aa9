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

    [Fact]
    public Task Chat_filter_finds_a_contact_under_its_number_and_its_lid_on_sqlite() => RunLidChatAsync(postgres: false);

    [PostgresFact]
    [Trait("Category", "Postgres")]
    public Task Chat_filter_finds_a_contact_under_its_number_and_its_lid_on_postgres() => RunLidChatAsync(postgres: true);

    /// <summary>
    /// WaSim's phones write from their LIDs, so a contact's inbound messages land in its <c>@lid</c>
    /// chat while what the session sends to the number lands in the number's chat; the session's LID
    /// mapping (learned from the messages) lets a filter by either spelling find the whole conversation.
    /// </summary>
    private static async Task RunLidChatAsync(bool postgres)
    {
        const string me = "15550108001";
        const string peer = "15550108002";
        const string other = "15550108003";
        await using var harness = await GatewayHarness.StartAsync(postgres);
        var sessionId = "lidlog-" + Guid.NewGuid().ToString("N");
        var session = await harness.PairSessionAsync(sessionId, me);
        await harness.Sim.CreatePhoneAsync(peer, "Peer Person");
        await harness.Sim.CreatePhoneAsync(other, "Someone Else");
        var log = harness.Grains.GetGrain<IMessageLogGrain>(0);

        var inboundId = (await harness.Sim.PostOkAsync($"sim/phones/{peer}/send", new { to = me, text = "hello from my LID" }))!["id"]!.GetValue<string>();
        var otherId = (await harness.Sim.PostOkAsync($"sim/phones/{other}/send", new { to = me, text = "not the same contact" }))!["id"]!.GetValue<string>();
        MessageRecord? inbound = null;
        await GatewayHarness.WaitUntilAsync(async () => (inbound = await log.GetAsync(sessionId, inboundId)) is not null, "the peer's message in the log");
        await GatewayHarness.WaitUntilAsync(async () => await log.GetAsync(sessionId, otherId) is not null, "the other phone's message in the log");
        var sent = await session.SendAsync(new SendMessageRequest { To = peer, Content = new MessageContent { Kind = MessageKind.Text, Text = "answer to the number" } });
        var outbound = await log.GetAsync(sessionId, sent.MessageId);

        // The premise: the conversation is split over two chat spellings; the log shows the LID chat under the number.
        var lidChat = inbound!.ChatLid;
        var phoneChat = peer + "@s.whatsapp.net";
        Assert.EndsWith("@lid", lidChat, StringComparison.Ordinal);
        Assert.Equal(phoneChat, inbound.Chat);
        Assert.Equal(peer, inbound.SenderPhone);
        Assert.NotNull(outbound);

        foreach (var filter in new[] { phoneChat, lidChat })
        {
            var page = await log.QueryAsync(sessionId, new MessageQuery { Chat = filter, Limit = 200 });
            Assert.Equal(new[] { sent.MessageId, inboundId }.Order(), page.Items.Select(m => m.MessageId).Order());
            var inboundOnly = await log.QueryAsync(sessionId, new MessageQuery { Chat = filter, Direction = "in", Limit = 200 });
            Assert.Equal(inboundId, Assert.Single(inboundOnly.Items).MessageId);
        }

        // The other contact's chat holds only its own message; a number nobody mapped finds nothing.
        var otherPage = await log.QueryAsync(sessionId, new MessageQuery { Chat = other + "@s.whatsapp.net", Limit = 200 });
        Assert.Equal(otherId, Assert.Single(otherPage.Items).MessageId);
        Assert.Empty((await log.QueryAsync(sessionId, new MessageQuery { Chat = "15550108999@s.whatsapp.net", Limit = 200 })).Items);

        // The chat list shows the conversation once, under the number, with both directions and the contact's name.
        var chats = await log.GetChatsAsync(sessionId, 50);
        Assert.DoesNotContain(chats, c => c.Chat == lidChat);
        var conversation = Assert.Single(chats, c => c.Chat == phoneChat);
        Assert.Equal((2L, sent.MessageId, "Peer Person"), (conversation.MessageCount, conversation.LastMessage?.MessageId, conversation.Name));
        Assert.Equal(1L, Assert.Single(chats, c => c.Chat == other + "@s.whatsapp.net").MessageCount);
    }

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

using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using WaOrleans.Grains.Messages;
using WaOrleans.Grains.Sessions;
using WaOrleans.Grains.Tests.Support;

namespace WaOrleans.Grains.Tests.Sessions;

/// <summary>
/// Sending through the session grain against WaSim's simulated phones: every message type reaches
/// the phone intact, idempotency keys replay, and mistakes come back as typed errors.
/// </summary>
public sealed class SendTests
{
    private const string Me = "15550104001";
    private const string Peer = "15550104002";

    [Fact]
    public async Task Every_message_type_reaches_the_phone_and_is_logged_as_sent()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var sessionId = "send-" + Guid.NewGuid().ToString("N");
        var session = await harness.PairSessionAsync(sessionId, Me);
        await harness.Sim.CreatePhoneAsync(Peer);
        var image = Bytes(3000, 1);
        var video = Bytes(5000, 2);
        var audio = Bytes(2000, 3);
        var voice = Bytes(1500, 4);
        var document = Bytes(4000, 5);
        var sticker = Bytes(1200, 6);

        var text = await SendAsync(session, new MessageContent { Kind = MessageKind.Text, Text = "plain text" });
        Assert.Equal("plain text", (await harness.WaitForInboxAsync(Peer, text.MessageId))["text"]!.GetValue<string>());

        var framed = await SendAsync(session, new MessageContent { Kind = MessageKind.Text, Text = "body", Header = "Title", Footer = "small print" });
        Assert.Equal("*Title*\nbody\n_small print_", (await harness.WaitForInboxAsync(Peer, framed.MessageId))["text"]!.GetValue<string>());

        foreach (var (kind, bytes, word, fileName) in new[]
        {
            (MessageKind.Image, image, "image", "photo.jpg"),
            (MessageKind.Video, video, "video", "clip.mp4"),
            (MessageKind.Audio, audio, "audio", "song.mp3"),
            (MessageKind.Voice, voice, "audio", "note.ogg"),
            (MessageKind.Document, document, "document", "report.pdf"),
            (MessageKind.Sticker, sticker, "sticker", "sticker.webp"),
        })
        {
            var caption = kind is MessageKind.Image or MessageKind.Video or MessageKind.Document ? "caption of " + word : null;
            var sent = await SendAsync(session, new MessageContent { Kind = kind, Text = caption, Media = new MediaSource { Data = bytes, FileName = fileName } });
            Assert.Equal("sent", sent.Status);
            var entry = await harness.WaitForInboxAsync(Peer, sent.MessageId);
            var media = entry["media"]!;
            Assert.Equal(word, media["kind"]!.GetValue<string>());
            Assert.True(media["verified"]!.GetValue<bool>(), $"{kind}: {media["error"]}");
            Assert.Equal(bytes.Length, media["size"]!.GetValue<int>());
            var message = Json(entry);
            if (caption is not null)
            {
                Assert.Contains(caption, entry["message"]!.GetValue<string>(), StringComparison.Ordinal);
            }

            switch (kind)
            {
                case MessageKind.Voice:
                    Assert.True(message["audioMessage"]!["ptt"]!.GetValue<bool>());
                    Assert.Equal("audio/ogg; codecs=opus", message["audioMessage"]!["mimetype"]!.GetValue<string>());
                    break;
                case MessageKind.Document:
                    Assert.Equal("report.pdf", message["documentMessage"]!["fileName"]!.GetValue<string>());
                    Assert.Equal("application/pdf", message["documentMessage"]!["mimetype"]!.GetValue<string>());
                    break;
                case MessageKind.Image:
                    Assert.Equal("image/jpeg", message["imageMessage"]!["mimetype"]!.GetValue<string>());
                    break;
                default:
                    break;
            }

            var logged = await harness.Grains.GetGrain<IMessageLogGrain>(0).GetAsync(sessionId, sent.MessageId);
            Assert.NotNull(logged);
            Assert.True(logged.HasMedia);
            Assert.Equal(bytes.Length, logged.MediaSize);
            Assert.Equal(bytes, (await session.DownloadMediaAsync(sent.MessageId)).Data);
        }

        var location = await SendAsync(session, new MessageContent { Kind = MessageKind.Location, Latitude = 52.37, Longitude = 4.89, Name = "Dam Square", Address = "Amsterdam" });
        var pin = Json(await harness.WaitForInboxAsync(Peer, location.MessageId))["locationMessage"]!;
        Assert.Equal(52.37, pin["degreesLatitude"]!.GetValue<double>());
        Assert.Equal("Dam Square", pin["name"]!.GetValue<string>());

        var contact = await SendAsync(session, new MessageContent { Kind = MessageKind.Contact, Name = "Ada Lovelace", Phone = "+44 20 7946 0000" });
        var card = Json(await harness.WaitForInboxAsync(Peer, contact.MessageId))["contactMessage"]!;
        Assert.Equal("Ada Lovelace", card["displayName"]!.GetValue<string>());
        Assert.Contains("waid=442079460000", card["vcard"]!.GetValue<string>(), StringComparison.Ordinal);

        var poll = await SendAsync(session, new MessageContent { Kind = MessageKind.Poll, Text = "Lunch?", Options = ["pizza", "sushi", "salad"], SelectableCount = 1 });
        var question = Json(await harness.WaitForInboxAsync(Peer, poll.MessageId))["pollCreationMessage"]!;
        Assert.Equal("Lunch?", question["name"]!.GetValue<string>());
        Assert.Equal(["pizza", "sushi", "salad"], question["options"]!.AsArray().Select(o => o!["optionName"]!.GetValue<string>()));

        var reaction = await SendAsync(session, new MessageContent { Kind = MessageKind.Reaction, TargetMessageId = text.MessageId, Emoji = "👍" });
        var react = Json(await harness.WaitForInboxAsync(Peer, reaction.MessageId))["reactionMessage"]!;
        Assert.Equal("👍", react["text"]!.GetValue<string>());
        Assert.Equal(text.MessageId, react["key"]!["id"]!.GetValue<string>());
        Assert.True(react["key"]!["fromMe"]!.GetValue<bool>());

        var reply = await session.SendAsync(new SendMessageRequest
        {
            To = "+1 555 010 4002",
            Content = new MessageContent { Kind = MessageKind.Text, Text = "replying, @15550104002" },
            ReplyTo = text.MessageId,
            Mentions = [Peer],
        });
        var context = Json(await harness.WaitForInboxAsync(Peer, reply.MessageId))["extendedTextMessage"]!["contextInfo"]!;
        Assert.Equal(text.MessageId, context["stanzaId"]!.GetValue<string>());
        Assert.Equal("plain text", context["quotedMessage"]!["conversation"]!.GetValue<string>());
        Assert.Equal($"{Peer}@s.whatsapp.net", context["mentionedJid"]![0]!.GetValue<string>());

        // Every send is in the log as sent, each with its message.sent event.
        var page = await harness.Grains.GetGrain<IMessageLogGrain>(0).QueryAsync(sessionId, new MessageQuery { Direction = "out", Limit = 200 });
        Assert.Equal(13, page.Items.Count);
        Assert.All(page.Items, m => Assert.Equal("sent", m.Status));
        Assert.Equal(13, await harness.ScalarAsync("SELECT COUNT(*) FROM events WHERE session_id = @s AND type = 'message.sent'", ("@s", sessionId)));
    }

    [Fact]
    public async Task A_retried_idempotency_key_returns_the_first_result_and_the_phone_gets_one_message()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var session = await harness.PairSessionAsync("idem-" + Guid.NewGuid().ToString("N"), Me);
        await harness.Sim.CreatePhoneAsync(Peer);
        var request = new SendMessageRequest { To = Peer, Content = new MessageContent { Kind = MessageKind.Text, Text = "once" }, IdempotencyKey = "order-42" };

        var first = await session.SendAsync(request);
        var again = await session.SendAsync(request);

        Assert.False(first.Replayed);
        Assert.True(again.Replayed);
        Assert.Equal(first.MessageId, again.MessageId);
        await harness.WaitForInboxAsync(Peer, first.MessageId);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single(await harness.InboxAsync(Peer), m => m!["text"]?.GetValue<string>() == "once");
    }

    [Fact]
    public async Task A_pending_row_left_by_a_crash_is_sent_again_with_its_id_when_the_key_is_retried()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var sessionId = "crash-" + Guid.NewGuid().ToString("N");
        var session = await harness.PairSessionAsync(sessionId, Me);
        await harness.Sim.CreatePhoneAsync(Peer);
        // What a process that died between the insert and the send leaves behind.
        var connection = await harness.Storage.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO messages (session_id, message_id, direction, chat, status, type, text, idempotency_key, timestamp, created_at, updated_at) " +
                $"VALUES ('{sessionId}', '3EB0CRASHED0000000001', 'out', '{Peer}@s.whatsapp.net', 'pending', 'text', 'after crash', 'k-crash', 1, 1, 1)";
            await command.ExecuteNonQueryAsync();
        }

        var result = await session.SendAsync(new SendMessageRequest
        {
            To = Peer,
            Content = new MessageContent { Kind = MessageKind.Text, Text = "after crash" },
            IdempotencyKey = "k-crash",
        });

        Assert.True(result.Replayed);
        Assert.Equal("3EB0CRASHED0000000001", result.MessageId);
        Assert.Equal("sent", result.Status);
        Assert.Equal("after crash", (await harness.WaitForInboxAsync(Peer, "3EB0CRASHED0000000001"))["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_lost_ack_after_the_rows_commit_is_retried_with_the_same_id_and_one_row()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var sessionId = "lost-ack-" + Guid.NewGuid().ToString("N");
        var session = await harness.PairSessionAsync(sessionId, Me);
        await harness.Sim.CreatePhoneAsync(Peer);
        var me = (await session.GetStatusAsync()).MeJid!;
        // Devices, number check and Signal session come first, so the send below asks the server nothing.
        var warmUp = await session.SendAsync(new SendMessageRequest { To = Peer, Content = new MessageContent { Kind = MessageKind.Text, Text = "warm-up" } });
        // Everything the server sends us is lost for a while: the first attempt's ack among it.
        await harness.Sim.PostOkAsync($"sim/devices/{me}/fault", new { kind = "drop", count = 10_000 }, 204);

        var sending = session.SendAsync(new SendMessageRequest { To = Peer, Content = new MessageContent { Kind = MessageKind.Text, Text = "ack lost" }, IdempotencyKey = "k-lost-ack" });

        // The stanza left only after its row (with the bytes that left) was committed with the Signal state.
        var log = harness.Grains.GetGrain<IMessageLogGrain>(0);
        MessageRecord? row = null;
        await GatewayHarness.WaitUntilAsync(
            async () =>
            {
                row = (await log.QueryAsync(sessionId, new MessageQuery { Direction = "out" })).Items.SingleOrDefault(m => m.MessageId != warmUp.MessageId);
                return row is not null;
            },
            "the pending row");
        Assert.Equal("pending", row!.Status);
        Assert.Equal(1, await harness.ScalarAsync("SELECT COUNT(*) FROM messages WHERE session_id = @s AND idempotency_key = 'k-lost-ack' AND content IS NOT NULL", ("@s", sessionId)));
        await harness.WaitForInboxAsync(Peer, row.MessageId);
        await harness.Sim.PostOkAsync($"sim/devices/{me}/fault", new { kind = "clear" }, 204);

        // The ack timed out: the retry re-encrypts and sends the same id, and the row is not inserted again.
        var result = await sending.WaitAsync(GatewayHarness.WaitTimeout);
        Assert.Equal(row.MessageId, result.MessageId);
        Assert.Equal("sent", result.Status);
        Assert.Equal(2, await harness.ScalarAsync("SELECT COUNT(*) FROM messages WHERE session_id = @s", ("@s", sessionId)));
        Assert.Equal(2, await harness.ScalarAsync("SELECT COUNT(*) FROM events WHERE session_id = @s AND type = 'message.sent'", ("@s", sessionId)));
    }

    [Fact]
    public async Task Mistakes_come_back_as_typed_errors_naming_the_field()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var session = await harness.PairSessionAsync("errors-" + Guid.NewGuid().ToString("N"), Me);
        var text = new MessageContent { Kind = MessageKind.Text, Text = "hi" };

        var notOnWhatsApp = await Assert.ThrowsAsync<GatewayException>(() => session.SendAsync(new SendMessageRequest { To = "15559999999", Content = text }));
        Assert.Equal((GatewayErrorKind.Unprocessable, "not_on_whatsapp", "to"), (notOnWhatsApp.Kind, notOnWhatsApp.Code, notOnWhatsApp.Field));

        foreach (var bad in new[] { "hello", "12", "+0 555 1234567", "someone@example.com", "123@broadcast" })
        {
            var invalid = await Assert.ThrowsAsync<GatewayException>(() => session.SendAsync(new SendMessageRequest { To = bad, Content = text }));
            Assert.Equal((GatewayErrorKind.Invalid, "invalid_recipient", "to"), (invalid.Kind, invalid.Code, invalid.Field));
        }

        var noText = await Assert.ThrowsAsync<GatewayException>(() => session.SendAsync(new SendMessageRequest { To = Peer, Content = new MessageContent { Kind = MessageKind.Text } }));
        Assert.Equal("content.text", noText.Field);
        var noMedia = await Assert.ThrowsAsync<GatewayException>(() => session.SendAsync(new SendMessageRequest { To = Peer, Content = new MessageContent { Kind = MessageKind.Image } }));
        Assert.Equal("content.media", noMedia.Field);
        var badUrl = await Assert.ThrowsAsync<GatewayException>(() => session.SendAsync(new SendMessageRequest
        {
            To = Peer,
            Content = new MessageContent { Kind = MessageKind.Image, Media = new MediaSource { Url = "ftp://example.com/a.jpg" } },
        }));
        Assert.Equal("content.media.url", badUrl.Field);
        var onePollOption = await Assert.ThrowsAsync<GatewayException>(() => session.SendAsync(new SendMessageRequest
        {
            To = Peer,
            Content = new MessageContent { Kind = MessageKind.Poll, Text = "?", Options = ["only"] },
        }));
        Assert.Equal("content.options", onePollOption.Field);
        await harness.Sim.CreatePhoneAsync(Peer);
        var unknownReply = await Assert.ThrowsAsync<GatewayException>(() => session.SendAsync(new SendMessageRequest { To = Peer, Content = text, ReplyTo = "3EB0NOSUCHMESSAGE" }));
        Assert.Equal((GatewayErrorKind.Invalid, "reply_target_not_found", "replyTo"), (unknownReply.Kind, unknownReply.Code, unknownReply.Field));

        // Nothing above reached the log.
        Assert.Empty((await harness.Grains.GetGrain<IMessageLogGrain>(0).QueryAsync((await session.GetStatusAsync()).SessionId, new MessageQuery())).Items);

        await session.DisconnectAsync();
        var offline = await Assert.ThrowsAsync<GatewayException>(() => session.SendAsync(new SendMessageRequest { To = Peer, Content = text }));
        Assert.Equal((GatewayErrorKind.Conflict, "session_not_connected"), (offline.Kind, offline.Code));
    }

    [Fact]
    public async Task Daily_limits_of_the_session_and_the_tenant_refuse_with_limit_used_and_retry_after()
    {
        await using var harness = await GatewayHarness.StartAsync(limits: new SessionLimits { DefaultSessionDailyLimit = 2 });
        var session = await harness.PairSessionAsync("limits-" + Guid.NewGuid().ToString("N"), Me);
        await harness.Sim.CreatePhoneAsync(Peer);
        var request = new SendMessageRequest { To = Peer, Content = new MessageContent { Kind = MessageKind.Text, Text = "counted" } };
        await session.SendAsync(request);
        await session.SendAsync(request);

        var refused = await Assert.ThrowsAsync<GatewayException>(() => session.SendAsync(request));
        Assert.Equal((GatewayErrorKind.LimitExceeded, "daily_limit_reached", 2L, 2L), (refused.Kind, refused.Code, refused.Limit, refused.Used));
        Assert.InRange(refused.RetryAfter!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));

        // A per-session override lifts it; the tenant's own limit then applies.
        await harness.ScalarAsync("UPDATE sessions SET daily_limit = 100 WHERE session_id = @s", ("@s", (await session.GetStatusAsync()).SessionId));
        await harness.ScalarAsync("UPDATE tenants SET daily_message_limit = 3 WHERE tenant_id = 'default'");
        try
        {
            Assert.Equal("sent", (await session.SendAsync(request)).Status);
            var tenant = await Assert.ThrowsAsync<GatewayException>(() => session.SendAsync(request));
            Assert.Equal((GatewayErrorKind.LimitExceeded, 3L, 3L), (tenant.Kind, tenant.Limit, tenant.Used));
        }
        finally
        {
            await harness.ScalarAsync("UPDATE tenants SET daily_message_limit = NULL WHERE tenant_id = 'default'");
        }
    }

    [Fact]
    public Task Concurrent_sends_of_several_sessions_stay_within_the_tenants_daily_limit() => TenantLimitUnderConcurrencyAsync(postgres: false);

    [PostgresFact]
    [Trait("Category", "Postgres")]
    public Task Concurrent_sends_of_several_sessions_stay_within_the_tenants_daily_limit_on_postgres() => TenantLimitUnderConcurrencyAsync(postgres: true);

    private static async Task TenantLimitUnderConcurrencyAsync(bool postgres)
    {
        await using var harness = await GatewayHarness.StartAsync(postgres);
        var tenant = "limited-" + Guid.NewGuid().ToString("N")[..8];
        const int Limit = 3, Sessions = 4, SendsEach = 3;
        await harness.ScalarAsync($"INSERT INTO tenants (tenant_id, name, max_sessions, created_at, daily_message_limit) VALUES ('{tenant}', 'Limited', 10, 0, {Limit})");
        var sessions = new List<ISessionGrain>();
        for (var i = 0; i < Sessions; i++)
        {
            sessions.Add(await harness.PairSessionAsync($"{tenant}-{i}", (15550107001L + i).ToString(System.Globalization.CultureInfo.InvariantCulture), tenant));
        }

        await harness.Sim.CreatePhoneAsync(Peer);

        // Every session sends at once: twelve sends for three places. Each one's early count sees
        // room (the others have not stored theirs yet); only the check in the storing transaction holds.
        var outcomes = await Task.WhenAll(sessions.SelectMany(session => Enumerable.Range(0, SendsEach).Select(async n =>
        {
            try
            {
                return (await SendAsync(session, new MessageContent { Kind = MessageKind.Text, Text = "racing " + n })).Status;
            }
            catch (GatewayException e) when (e.Code == "daily_limit_reached")
            {
                Assert.Equal(GatewayErrorKind.LimitExceeded, e.Kind);
                Assert.Equal(Limit, e.Limit);
                return "refused";
            }
        })));

        Assert.Equal(Limit, outcomes.Count(o => o == "sent"));
        Assert.Equal((Sessions * SendsEach) - Limit, outcomes.Count(o => o == "refused"));
        // A refused send left nothing behind: no row, not even a failed one.
        Assert.Equal(Limit, await harness.ScalarAsync("SELECT COUNT(*) FROM messages WHERE tenant_id = @t AND direction = 'out'", ("@t", tenant)));
    }

    [Fact]
    public async Task A_burst_from_one_session_leaves_no_faster_than_the_minimum_send_interval()
    {
        var interval = TimeSpan.FromSeconds(1);
        await using var harness = await GatewayHarness.StartAsync(limits: new SessionLimits { MinSendInterval = interval });
        var session = await harness.PairSessionAsync("paced-" + Guid.NewGuid().ToString("N"), Me);
        await harness.Sim.CreatePhoneAsync(Peer);

        // Four sends at once: without pacing they go out in well under a second; with it the last
        // waits three intervals behind the first. (A lower bound: a loaded machine only adds time.)
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var sent = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => SendAsync(session, new MessageContent { Kind = MessageKind.Text, Text = "burst " + i })));
        clock.Stop();
        Assert.All(sent, r => Assert.Equal("sent", r.Status));
        Assert.True(clock.Elapsed >= (interval * 3) - TimeSpan.FromMilliseconds(50), $"4 sends took {clock.Elapsed}");
        foreach (var r in sent)
        {
            await harness.WaitForInboxAsync(Peer, r.MessageId);
        }
    }

    [Fact]
    public async Task A_media_url_on_the_operators_own_network_is_refused_unless_allowed()
    {
        await using var harness = await GatewayHarness.StartAsync(allowPrivateMediaUrls: false);
        var sessionId = "media-policy-" + Guid.NewGuid().ToString("N");
        var session = await harness.PairSessionAsync(sessionId, Me);
        await harness.Sim.CreatePhoneAsync(Peer);
        foreach (var url in new[] { "http://127.0.0.1:9/a.png", "http://localhost:9/a.png", "http://169.254.169.254/latest/meta-data", "http://10.1.2.3/a.png", "http://[::1]:9/a.png" })
        {
            var refused = await Assert.ThrowsAsync<GatewayException>(() => SendAsync(session, new MessageContent { Kind = MessageKind.Image, Media = new MediaSource { Url = url } }));
            Assert.Equal((GatewayErrorKind.Invalid, "media_url_not_allowed", "content.media.url"), (refused.Kind, refused.Code, refused.Field));
        }

        // Refused before anything is logged or sent.
        var page = await harness.Grains.GetGrain<IMessageLogGrain>(0).QueryAsync(sessionId, new MessageQuery { Direction = "out", Limit = 10 });
        Assert.Empty(page.Items);
    }

    [Fact]
    public void The_limits_bind_from_configuration_with_pacing_on_by_default()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(20), new SessionLimits().MinSendInterval);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["WaOrleans:Limits:DefaultSessionDailyLimit"] = "500",
                ["WaOrleans:Limits:MinSendInterval"] = "00:00:00.005",
            })
            .Build();
        var limits = configuration.GetSection(SessionLimits.Section).Get<SessionLimits>();
        Assert.Equal(new SessionLimits { DefaultSessionDailyLimit = 500, MinSendInterval = TimeSpan.FromMilliseconds(5) }, limits);
    }

    private static Task<SendMessageResult> SendAsync(ISessionGrain session, MessageContent content) =>
        session.SendAsync(new SendMessageRequest { To = Peer, Content = content });

    private static JsonNode Json(JsonNode entry) => JsonNode.Parse(entry["message"]!.GetValue<string>())!;

    private static byte[] Bytes(int length, byte seed) => [.. Enumerable.Range(0, length).Select(i => (byte)(i * 31 + seed))];
}

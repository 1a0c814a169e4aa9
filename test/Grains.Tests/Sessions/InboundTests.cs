using System.Data.Common;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using WaOrleans.Grains.Events;
using WaOrleans.Grains.Messages;
using WaOrleans.Grains.Sessions;
using WaOrleans.Grains.Storage.Sqlite;
using WaOrleans.Grains.Tests.Support;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Proto;
using WaOrleans.Protocol.Store;

namespace WaOrleans.Grains.Tests.Sessions;

/// <summary>
/// What arrives on a session: logged with its <c>message.received</c> event before WhatsApp gets
/// the ack (durability rule 1), once however often it is delivered, and its media downloadable.
/// </summary>
public sealed class InboundTests
{
    private const string Me = "15550105001";
    private const string Peer = "15550105002";

    [Fact]
    public async Task Inbound_text_media_and_reactions_are_logged_with_their_events_and_media_downloads()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var sessionId = "inbound-" + Guid.NewGuid().ToString("N");
        var session = await harness.PairSessionAsync(sessionId, Me);
        await harness.Sim.CreatePhoneAsync(Peer, "Peer Person");
        var log = harness.Grains.GetGrain<IMessageLogGrain>(0);
        var image = Enumerable.Range(0, 2500).Select(i => (byte)(i * 7)).ToArray();

        var textId = await PhoneSendsAsync(harness, new { to = Me, text = "hello gateway" });
        var imageId = await PhoneSendsAsync(harness, new { to = Me, kind = "image", text = "a picture", mediaBase64 = Convert.ToBase64String(image), mimetype = "image/png" });
        var sent = await session.SendAsync(new SendMessageRequest { To = Peer, Content = new MessageContent { Kind = MessageKind.Text, Text = "ours" } });
        var reactionId = await PhoneSendsAsync(harness, new { to = Me, kind = "reaction", text = "❤", quotedId = sent.MessageId });

        var text = await WaitForLoggedAsync(log, sessionId, textId);
        Assert.Equal(("in", "received", "text", "hello gateway"), (text.Direction, text.Status, text.Type, text.Text));
        Assert.Equal((Peer, "Peer Person", false), (text.SenderPhone, text.PushName, text.IsGroup));

        var picture = await WaitForLoggedAsync(log, sessionId, imageId);
        Assert.Equal(("image", "a picture", "image/png", (long?)image.Length, true), (picture.Type, picture.Text, picture.MimeType, picture.MediaSize, picture.HasMedia));
        var media = await session.DownloadMediaAsync(imageId);
        Assert.Equal(image, media.Data);
        Assert.Equal("image/png", media.MimeType);

        var reaction = await WaitForLoggedAsync(log, sessionId, reactionId);
        Assert.Equal(("reaction", "❤", sent.MessageId), (reaction.Type, reaction.Text, reaction.QuotedId));

        var received = await EventsAsync(harness, sessionId, GatewayEventTypes.MessageReceived);
        Assert.Equal(3, received.Count);
        var imageEvent = received.Single(e => e["id"]!.GetValue<string>() == imageId);
        Assert.Equal($"/api/sessions/{sessionId}/messages/{imageId}/media", imageEvent["downloadUrl"]!.GetValue<string>());
        Assert.Equal("image/png", imageEvent["mimeType"]!.GetValue<string>());
        Assert.Equal(image.Length, imageEvent["size"]!.GetValue<int>());
        Assert.Equal(Peer, imageEvent["senderPhone"]!.GetValue<string>());
        Assert.False(imageEvent["fromMe"]!.GetValue<bool>());
        var reactionEvent = Assert.Single(await EventsAsync(harness, sessionId, GatewayEventTypes.MessageReaction));
        Assert.Equal(sent.MessageId, reactionEvent["quotedId"]!.GetValue<string>());

        var missing = await Assert.ThrowsAsync<GatewayException>(() => session.DownloadMediaAsync(textId));
        Assert.Equal((GatewayErrorKind.NotFound, "no_media"), (missing.Kind, missing.Code));
    }

    [Fact]
    public async Task A_message_delivered_twice_is_one_row_and_one_event()
    {
        var directory = Path.Combine(Path.GetTempPath(), "waorleans-inbound-" + Guid.NewGuid().ToString("N"));
        var storage = await SqliteStorage.OpenAsync(directory);
        try
        {
            var store = new InMemoryDeviceStore();
            await using var client = new WaClient(store);
            var recorder = new InboundRecorder(storage, new EventOutbox(storage), new StatusWriter(storage, new EventOutbox(storage)), client, store.Lids, "twice", "default", TimeProvider.System, NullLogger.Instance);
            var peer = new Jid("15550105003", JidServer.PhoneNumber);
            var message = new MessageReceivedEvent("3EB0AAAA", peer, peer.WithDevice(0), peer, null, "Twice", false, false, false,
                DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), new Message { Conversation = "once please" });

            Assert.True(await recorder.TryRecordAsync(message, default));
            // WhatsApp redelivers when the ack was lost: a crash after the commit, before the ack.
            Assert.True(await recorder.TryRecordAsync(message with { IsOffline = true }, default));

            Assert.Equal(1, await CountAsync(storage, "SELECT COUNT(*) FROM messages WHERE session_id = 'twice'"));
            Assert.Equal(1, await CountAsync(storage, "SELECT COUNT(*) FROM events WHERE session_id = 'twice' AND type = 'message.received'"));
        }
        finally
        {
            await storage.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [PostgresFact]
    [Trait("Category", "Postgres")]
    public async Task The_ack_waits_until_the_message_and_its_event_are_committed()
    {
        await using var harness = await GatewayHarness.StartAsync(postgres: true);
        var sessionId = "ack-" + Guid.NewGuid().ToString("N");
        await harness.PairSessionAsync(sessionId, Me);
        await harness.Sim.CreatePhoneAsync(Peer);
        string messageId;
        var blocker = await harness.Storage.OpenConnectionAsync();
        await using (blocker)
        {
            // Inserts into the log wait behind this lock; the Signal tables stay free, so the
            // message decrypts and only the gateway's own commit is held up.
            await using var transaction = await blocker.BeginTransactionAsync();
            await Execute(blocker, transaction, "LOCK TABLE messages IN EXCLUSIVE MODE");
            messageId = await PhoneSendsAsync(harness, new { to = Me, text = "held" });
            for (var i = 0; i < 20; i++)
            {
                await Task.Delay(150);
                Assert.Equal(1, await UndeliveredAsync(harness));
            }

            await transaction.RollbackAsync();
        }

        await GatewayHarness.WaitUntilAsync(async () => await UndeliveredAsync(harness) == 0, "the ack once the row is committed");
        Assert.Equal(1, await harness.ScalarAsync("SELECT COUNT(*) FROM messages WHERE session_id = @s AND message_id = @m", ("@s", sessionId), ("@m", messageId)));
        Assert.Single(await EventsAsync(harness, sessionId, GatewayEventTypes.MessageReceived));
    }

    private static async Task<long> UndeliveredAsync(GatewayHarness harness) =>
        (await harness.Sim.GetJsonAsync($"sim/phones/{Me}"))["devices"]!.AsArray().Sum(d => d!["undelivered"]!.GetValue<int>());

    private static async Task<string> PhoneSendsAsync(GatewayHarness harness, object body) =>
        (await harness.Sim.PostOkAsync($"sim/phones/{Peer}/send", body))!["id"]!.GetValue<string>();

    private static async Task<MessageRecord> WaitForLoggedAsync(IMessageLogGrain log, string sessionId, string messageId)
    {
        MessageRecord? record = null;
        await GatewayHarness.WaitUntilAsync(async () => (record = await log.GetAsync(sessionId, messageId)) is not null, $"message {messageId} in the log");
        return record!;
    }

    private static async Task<List<JsonNode>> EventsAsync(GatewayHarness harness, string sessionId, string type)
    {
        var events = new List<JsonNode>();
        var connection = await harness.Storage.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT data FROM events WHERE session_id = '{sessionId}' AND type = '{type}' ORDER BY sequence";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                events.Add(JsonNode.Parse(reader.GetString(0))!);
            }
        }

        return events;
    }

    private static async Task Execute(DbConnection connection, DbTransaction transaction, string sql)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountAsync(WaOrleans.Grains.Storage.DeviceStorage storage, string sql)
    {
        var connection = await storage.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}

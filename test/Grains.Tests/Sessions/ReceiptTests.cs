using WaOrleans.Grains.Messages;
using WaOrleans.Grains.Sessions;
using WaOrleans.Grains.Tests.Support;
using WaOrleans.Protocol.Events;

namespace WaOrleans.Grains.Tests.Sessions;

/// <summary>Receipts move a sent message forward to delivered and read, never backwards, each with its event.</summary>
public sealed class ReceiptTests
{
    private const string Me = "15550106001";
    private const string Peer = "15550106002";

    [Fact]
    public async Task Delivery_and_read_receipts_move_the_status_forward_with_events()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var sessionId = "receipts-" + Guid.NewGuid().ToString("N");
        var session = await harness.PairSessionAsync(sessionId, Me);
        var received = new TaskCompletionSource<MessageReceivedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        // A linked device of the peer: it sends the delivery receipt itself when it decrypts the message.
        var peer = await harness.PairClientAsync(Peer, (e, _) =>
        {
            if (e is MessageReceivedEvent { IsFromMe: false } m)
            {
                received.TrySetResult(m);
            }

            return ValueTask.CompletedTask;
        });
        var log = harness.Grains.GetGrain<IMessageLogGrain>(0);

        var sent = await session.SendAsync(new SendMessageRequest { To = Peer, Content = new MessageContent { Kind = MessageKind.Text, Text = "did you get it?" } });
        var arrived = await received.Task.WaitAsync(GatewayHarness.WaitTimeout);
        Assert.Equal(sent.MessageId, arrived.Id);
        await GatewayHarness.WaitUntilAsync(async () => (await log.GetAsync(sessionId, sent.MessageId))!.Status == "delivered", "the delivery receipt");

        await peer.MarkReadAsync(arrived.Chat, null, [arrived.Id]);
        await GatewayHarness.WaitUntilAsync(async () => (await log.GetAsync(sessionId, sent.MessageId))!.Status == "read", "the read receipt");

        Assert.Equal(1, await harness.ScalarAsync("SELECT COUNT(*) FROM events WHERE session_id = @s AND type = 'message.delivered'", ("@s", sessionId)));
        Assert.Equal(1, await harness.ScalarAsync("SELECT COUNT(*) FROM events WHERE session_id = @s AND type = 'message.read'", ("@s", sessionId)));
        Assert.Equal(1, await harness.ScalarAsync("SELECT COUNT(*) FROM events WHERE session_id = @s AND type = 'message.sent'", ("@s", sessionId)));

        // A late delivery receipt (they can arrive after the read one) does not move it back.
        var connection = await harness.Storage.OpenConnectionAsync();
        await using (connection)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            Assert.False(await MessageTable.AdvanceAsync(connection, transaction, sessionId, sent.MessageId, "delivered", null, DateTimeOffset.UtcNow, default));
            await transaction.CommitAsync();
        }

        Assert.Equal("read", (await log.GetAsync(sessionId, sent.MessageId))!.Status);
    }
}

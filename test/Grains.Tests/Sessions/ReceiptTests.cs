using WaOrleans.Grains.Messages;
using WaOrleans.Grains.Sessions;
using WaOrleans.Grains.Tests.Support;
using WaOrleans.Protocol.Events;

namespace WaOrleans.Grains.Tests.Sessions;

/// <summary>
/// What comes back for a sent message: receipts move it forward to delivered and read (never
/// backwards), votes on a poll are logged, and a refusal is recorded as failed; each with its event.
/// </summary>
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

    [Fact]
    public async Task A_vote_on_our_poll_is_logged_with_the_chosen_options_and_raises_message_received()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var sessionId = "poll-" + Guid.NewGuid().ToString("N");
        var session = await harness.PairSessionAsync(sessionId, Me);
        var polls = new TaskCompletionSource<MessageReceivedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var peer = await harness.PairClientAsync(Peer, (e, _) =>
        {
            if (e is MessageReceivedEvent { Message.PollCreationMessage: not null } m)
            {
                polls.TrySetResult(m);
            }

            return ValueTask.CompletedTask;
        });

        var poll = await session.SendAsync(new SendMessageRequest
        {
            To = Peer,
            Content = new MessageContent { Kind = MessageKind.Poll, Text = "Lunch?", Options = ["pizza", "sushi"] },
        });
        var arrived = await polls.Task.WaitAsync(GatewayHarness.WaitTimeout);
        // The client learns the poll around the handler that reported it: vote once it knows it.
        await GatewayHarness.WaitUntilAsync(
            async () =>
            {
                try
                {
                    await peer.VotePollAsync(arrived.Chat, poll.MessageId, ["sushi"]);
                    return true;
                }
                catch (InvalidOperationException)
                {
                    return false;
                }
            },
            "the peer to know the poll");

        MessageRecord? vote = null;
        await GatewayHarness.WaitUntilAsync(
            async () => (vote = (await harness.Grains.GetGrain<IMessageLogGrain>(0).QueryAsync(sessionId, new MessageQuery { Direction = "in" })).Items.FirstOrDefault(m => m.Type == "poll_vote")) is not null,
            "the vote in the log");
        Assert.Equal(("sushi", poll.MessageId), (vote!.Text, vote.QuotedId));
        Assert.Equal(1, await harness.ScalarAsync("SELECT COUNT(*) FROM events WHERE session_id = @s AND type = 'message.received' AND data LIKE '%selectedOptions%'", ("@s", sessionId)));
    }

    [Fact]
    public async Task A_send_the_server_refuses_is_recorded_as_failed_with_its_reason_and_event()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var sessionId = "refused-" + Guid.NewGuid().ToString("N");
        var session = await harness.PairSessionAsync(sessionId, Me);
        await harness.Sim.CreatePhoneAsync(Peer);
        // A group this number is not in: WhatsApp refuses to route to it.
        var group = (await harness.Sim.PostOkAsync("sim/groups", new { subject = "Elsewhere", creator = Peer, participants = Array.Empty<string>() }, 201))!["jid"]!.GetValue<string>();

        var result = await session.SendAsync(new SendMessageRequest { To = group, Content = new MessageContent { Kind = MessageKind.Text, Text = "let me in" } });

        Assert.Equal("failed", result.Status);
        Assert.False(string.IsNullOrEmpty(result.Reason));
        var logged = await harness.Grains.GetGrain<IMessageLogGrain>(0).GetAsync(sessionId, result.MessageId);
        Assert.Equal(("failed", result.Reason), (logged!.Status, logged.Reason));
        Assert.Equal(1, await harness.ScalarAsync("SELECT COUNT(*) FROM events WHERE session_id = @s AND type = 'message.failed'", ("@s", sessionId)));
    }
}

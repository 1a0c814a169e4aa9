using WaOrleans.Client.Tests.Support;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Signal.Stores;

namespace WaOrleans.Client.Tests.Client;

/// <summary>
/// Durability rule 1 across a crash: a message decrypted but not acked is stored with the ratchet
/// that decrypted it, so a new process on the same store delivers it once more and then acks it.
/// </summary>
public sealed class DurableInboundTests : IAsyncLifetime
{
    private const string Me = "15550104001";
    private const string Peer = "15550104002";
    private SimHarness _sim = null!;

    public async Task InitializeAsync() => _sim = await SimHarness.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task A_message_decrypted_before_a_crash_is_delivered_exactly_once_more_by_the_next_process()
    {
        var (client, events, store) = await _sim.PairByQrAsync(Me);
        await _sim.Sim.CreatePhoneAsync(Peer);
        using var crashing = client.AddEventHandler((evt, _) =>
            evt is MessageReceivedEvent ? throw new InvalidOperationException("process dies here") : ValueTask.CompletedTask);

        await _sim.Sim.PostOkAsync($"sim/phones/{Peer}/send", new { to = Me, text = "survive the crash" });
        var first = await events.NextAsync<MessageReceivedEvent>();
        var credentials = (await store.LoadCredentialsAsync())!;
        var pending = (IPendingInboundStore)await store.OpenSignalStoreAsync(credentials);
        Assert.Single(await pending.ListPendingInboundAsync());

        // The crash: this process is gone without acking; only the store survives.
        await client.DisposeAsync();
        var (next, nextEvents) = _sim.NewClient(store);
        await next.StartAsync();

        var again = await nextEvents.NextAsync<MessageReceivedEvent>();
        Assert.Equal(first.Id, again.Id);
        Assert.Equal("survive the crash", again.Message.Conversation);
        Assert.Equal(new Jid(Peer, JidServer.PhoneNumber), again.SenderPhoneNumber);
        await WaitUntilAsync(async () => (await pending.ListPendingInboundAsync()).Count == 0);

        // Acked: the server's redelivery (if any) and one more reconnect bring nothing new.
        await _sim.FaultAsync(next.Credentials!.Me!.Value.ToString(), "close");
        await nextEvents.NextAsync<ConnectedEvent>();
        await Task.Delay(500);
        Assert.Single(nextEvents.All.OfType<MessageReceivedEvent>());
        Assert.DoesNotContain(nextEvents.All, e => e is UndecryptableMessageEvent);
    }

    [Fact]
    public async Task A_redelivered_pending_message_is_raised_from_the_stored_copy_not_decrypted_again()
    {
        var (client, events, store) = await _sim.PairByQrAsync(Me);
        await _sim.Sim.CreatePhoneAsync(Peer);
        var failures = 1;
        using var failing = client.AddEventHandler((evt, _) =>
            evt is MessageReceivedEvent && Interlocked.Decrement(ref failures) >= 0 ? throw new InvalidOperationException("consumer down") : ValueTask.CompletedTask);

        await _sim.Sim.PostOkAsync($"sim/phones/{Peer}/send", new { to = Me, text = "once more" });
        var first = await events.NextAsync<MessageReceivedEvent>();
        await _sim.Sim.PostOkAsync($"sim/phones/{Peer}/send", new { to = Me, text = "next one" });
        Assert.Equal("next one", (await events.NextAsync<MessageReceivedEvent>()).Message.Conversation);
        var pending = (IPendingInboundStore)await store.OpenSignalStoreAsync((await store.LoadCredentialsAsync())!);

        // The event comes before the ack: wait for "next one" to be acked, or it rightly comes again too.
        await WaitUntilAsync(async () => (await pending.ListPendingInboundAsync()).Count == 1);
        await _sim.FaultAsync(client.Credentials!.Me!.Value.ToString(), "close");

        var again = await events.NextAsync<MessageReceivedEvent>();
        Assert.Equal(first.Id, again.Id);
        Assert.Equal("once more", again.Message.Conversation);
        await Task.Delay(500);
        Assert.Equal(3, events.All.OfType<MessageReceivedEvent>().Count());
        Assert.Empty(await pending.ListPendingInboundAsync());
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not become true in time");
            await Task.Delay(50);
        }
    }
}

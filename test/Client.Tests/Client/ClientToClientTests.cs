using WaOrleans.Client.Tests.Support;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Signal;

namespace WaOrleans.Client.Tests.Client;

/// <summary>Two WaClients of different accounts on one WaSim: receipts, and retries after a forced decrypt failure.</summary>
public sealed class ClientToClientTests : IAsyncLifetime
{
    private const string Alice = "15550103001";
    private const string Bob = "15550103002";
    private SimHarness _sim = null!;

    public async Task InitializeAsync() => _sim = await SimHarness.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task A_delivery_receipt_comes_back_and_a_lost_session_is_repaired_by_a_retry()
    {
        var (alice, aliceEvents, _) = await _sim.PairByQrAsync(Alice);
        var (bob, bobEvents, bobStore) = await _sim.PairByQrAsync(Bob);

        var first = await alice.SendMessageAsync(new Jid(Bob, JidServer.PhoneNumber), MessageBuilder.Text("hi bob"));
        var received = await bobEvents.NextAsync<MessageReceivedEvent>(e => e.Id == first.MessageId);
        Assert.Equal("hi bob", received.Message.Conversation);
        Assert.Equal(new Jid(Alice, JidServer.PhoneNumber), received.SenderPhoneNumber);
        var receipt = await aliceEvents.NextAsync<ReceiptEvent>(r => r.MessageIds.Contains(first.MessageId));
        Assert.Null(receipt.Type);

        // Bob loses his session with Alice's device: her next msg cannot decrypt, so Bob asks
        // for a retry and Alice re-encrypts over a fresh session.
        var aliceLid = alice.Credentials!.MeLid!.Value;
        var signal = await bobStore.OpenSignalStoreAsync(bob.Credentials!);
        await signal.DeleteSessionAsync(SignalAddress.ForUser(aliceLid.User, SignalUserDomain.Lid, new DeviceId(aliceLid.Device)));

        var second = await alice.SendMessageAsync(new Jid(Bob, JidServer.PhoneNumber), MessageBuilder.Text("after the loss"));
        await bobEvents.NextAsync<UndecryptableMessageEvent>(e => e.Id == second.MessageId);
        await aliceEvents.NextAsync<ReceiptEvent>(r => r.Type == "retry" && r.MessageIds.Contains(second.MessageId));
        var repaired = await bobEvents.NextAsync<MessageReceivedEvent>(e => e.Id == second.MessageId);
        Assert.Equal("after the loss", repaired.Message.Conversation);
    }
}

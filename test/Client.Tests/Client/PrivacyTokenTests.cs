using WaOrleans.Client.Tests.Support;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Events;

namespace WaOrleans.Client.Tests.Client;

/// <summary>
/// Privacy tokens (PROTOCOL.md §6.4, §7.7): a phone we message issues us its trusted-contact token
/// in a <c>privacy_token</c> notification; the client stores it and attaches it to later messages
/// to that contact, also after a restart.
/// </summary>
public sealed class PrivacyTokenTests : IAsyncLifetime
{
    private const string Me = "15550113001";
    private const string Peer = "15550113002";
    private SimHarness _sim = null!;

    public async Task InitializeAsync() => _sim = await SimHarness.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task A_token_the_contact_issued_is_stored_and_sent_with_messages_after_a_restart()
    {
        var (client, _, store) = await _sim.PairByQrAsync(Me);
        var peer = await _sim.Sim.CreatePhoneAsync(Peer);
        var peerLid = Jid.Parse(peer["lid"]!.GetValue<string>()).WithoutDevice();

        var first = await client.SendMessageAsync(PhoneJid(Peer), MessageBuilder.Text("first"));
        var entry = await _sim.WaitForAsync(Peer, m => m["id"]!.GetValue<string>() == first.MessageId);
        Assert.Null(entry["tcToken"]);
        await WaitUntilAsync(() => client.HasPrivacyToken(peerLid));

        // A new client instance on the same store: its memory is empty, the store is not.
        await client.StopAsync();
        var (restarted, events) = _sim.NewClient(store);
        await restarted.StartAsync();
        await events.NextAsync<ConnectedEvent>();
        var second = await restarted.SendMessageAsync(PhoneJid(Peer), MessageBuilder.Text("after the restart"));
        var checkedEntry = await _sim.WaitForAsync(Peer, m => m["id"]!.GetValue<string>() == second.MessageId);
        Assert.Equal("after the restart", checkedEntry.Text());
        Assert.Equal("valid", checkedEntry["tcToken"]!.GetValue<string>());
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not become true in time");
            await Task.Delay(50);
        }
    }

    private static Jid PhoneJid(string phone) => new(phone, JidServer.PhoneNumber);
}

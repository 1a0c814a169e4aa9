using WaOrleans.Client.Tests.Support;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Client;

namespace WaOrleans.Client.Tests.Client;

/// <summary>
/// <see cref="SendOptions.CommitSignalAsync"/>: a send commits every Signal change of its stanza
/// once, through the caller's hook, before the stanza leaves; a hook that throws sends nothing and
/// leaves the sessions as they were.
/// </summary>
public sealed class SendCommitHookTests : IAsyncLifetime
{
    private const string Me = "15550101101";
    private const string Peer = "15550101102";
    private SimHarness _sim = null!;

    public async Task InitializeAsync() => _sim = await SimHarness.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task The_hook_commits_every_devices_change_once_before_the_stanza_leaves()
    {
        var (client, _, _) = await _sim.PairByQrAsync(Me);
        await _sim.Sim.CreatePhoneAsync(Peer);
        var calls = 0;
        var sessions = 0;
        var inboxAtCommit = -1;

        var sent = await client.SendMessageAsync(PhoneJid(Peer), MessageBuilder.Text("one commit"), new SendOptions
        {
            MessageId = "3EB0C0FFEE0000000001",
            CommitSignalAsync = async (signal, changes, cancellationToken) =>
            {
                calls++;
                sessions = changes.Sessions.Count;
                inboxAtCommit = (await _sim.Sim.GetJsonAsync($"sim/phones/{Peer}/inbox"))["messages"]!.AsArray().Count;
                await signal.CommitAsync(changes, cancellationToken);
            },
        });

        Assert.Equal(1, calls);
        // The peer's phone and our own phone (the DeviceSentMessage copy): both in the one change set.
        Assert.Equal(2, sessions);
        Assert.Equal(0, inboxAtCommit);
        Assert.Equal("one commit", (await _sim.WaitForAsync(Peer, m => m["id"]!.GetValue<string>() == sent.MessageId)).Text());
    }

    [Fact]
    public async Task A_hook_that_throws_sends_nothing_and_the_next_send_still_decrypts()
    {
        var (client, _, _) = await _sim.PairByQrAsync(Me);
        await _sim.Sim.CreatePhoneAsync(Peer);
        var first = await client.SendMessageAsync(PhoneJid(Peer), MessageBuilder.Text("before"));
        await _sim.WaitForAsync(Peer, m => m["id"]!.GetValue<string>() == first.MessageId);

        await Assert.ThrowsAsync<InvalidOperationException>(() => client.SendMessageAsync(PhoneJid(Peer), MessageBuilder.Text("never"), new SendOptions
        {
            MessageId = "3EB0C0FFEE0000000002",
            CommitSignalAsync = (_, _, _) => throw new InvalidOperationException("the caller's row could not be stored"),
        }));

        // The ratchet moved only in the discarded change set: the next message continues from the stored state.
        var next = await client.SendMessageAsync(PhoneJid(Peer), MessageBuilder.Text("after"));
        Assert.Equal("after", (await _sim.WaitForAsync(Peer, m => m["id"]!.GetValue<string>() == next.MessageId)).Text());
        var inbox = (await _sim.Sim.GetJsonAsync($"sim/phones/{Peer}/inbox"))["messages"]!.AsArray();
        Assert.DoesNotContain(inbox, m => m!["id"]!.GetValue<string>() == "3EB0C0FFEE0000000002");
    }

    private static Jid PhoneJid(string phone) => new(phone, JidServer.PhoneNumber);
}

using System.Text.Json.Nodes;
using WaOrleans.Client.Tests.Support;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Client;

namespace WaOrleans.Client.Tests.Client;

/// <summary>
/// <c>devices</c> notifications (PROTOCOL.md §6.2): when a contact links a device, the server tells
/// the clients that know the contact, and their cached device list is dropped, so the next 1:1
/// message reaches the new device too. Nothing else would tell a 1:1 sender (no phash there).
/// </summary>
public sealed class DeviceNotificationTests : IAsyncLifetime
{
    private const string Me = "15550113001";
    private const string Bob = "15550113002";
    private SimHarness _sim = null!;

    public async Task InitializeAsync() => _sim = await SimHarness.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task A_device_a_contact_links_gets_our_next_message_after_the_devices_notification()
    {
        var (client, _, _) = await _sim.PairByQrAsync(Me);
        await _sim.Sim.CreatePhoneAsync(Bob);
        var first = await client.SendMessageAsync(Jid.Parse(Bob + "@s.whatsapp.net"), MessageBuilder.Text("before"));
        await _sim.WaitForAsync(Bob, m => m["id"]!.GetValue<string>() == first.MessageId && m.Text() == "before");

        // The new device never asks for a retry: only the notification can tell us it exists.
        await _sim.Sim.PostOkAsync($"sim/phones/{Bob}/retries", new { answer = true, send = false }, 204);
        var bob = await _sim.Sim.PostOkAsync($"sim/phones/{Bob}/companions", new { count = 1 });
        var companion = bob!["devices"]!.AsArray().Single(d => d!["simulated"]!.GetValue<bool>())!["deviceId"]!.GetValue<int>();
        // The notification is on the wire when the control call returns; give the client a moment to handle it.
        await Task.Delay(TimeSpan.FromMilliseconds(300));

        var second = await client.SendMessageAsync(Jid.Parse(Bob + "@s.whatsapp.net"), MessageBuilder.Text("after the new device"));
        var received = await _sim.WaitForCompanionAsync(Bob, companion, second.MessageId);
        Assert.Equal("after the new device", received.Text());
    }
}

using System.Text.Json.Nodes;
using WaOrleans.Client.Tests.Support;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Client;

namespace WaOrleans.Client.Tests.Client;

/// <summary>
/// The participant hash (<c>phash</c>, PROTOCOL.md §6.4): computed as whatsmeow does, attached to
/// group sends, and a different one in the server's ack makes the client find the devices it
/// missed and send them the message.
/// </summary>
public sealed class ParticipantHashTests : IAsyncLifetime
{
    private const string Me = "15550112001";
    private const string Bob = "15550112002";
    private const string Carol = "15550112003";
    private SimHarness _sim = null!;

    public async Task InitializeAsync() => _sim = await SimHarness.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public void The_hash_is_whatsmeows_participantListHashV2()
    {
        // Known answer: sorted "user.agent:device@server" strings, SHA-256, first 6 bytes, unpadded base64.
        Jid[] devices = [Jid.Parse("15550001111:3@s.whatsapp.net"), Jid.Parse("100000000000009@lid"), Jid.Parse("15550001111@s.whatsapp.net")];
        Assert.Equal("2:QcXe7gAz", ParticipantHash.Compute(devices));
        Assert.Equal("2:QcXe7gAz", ParticipantHash.Compute(devices.Reverse().Append(devices[0])));
        Assert.NotEqual("2:QcXe7gAz", ParticipantHash.Compute(devices.Skip(1)));
    }

    [Fact]
    public async Task A_device_we_did_not_know_of_gets_the_group_message_after_the_servers_phash_differs()
    {
        var (client, _, _) = await _sim.PairByQrAsync(Me);
        await _sim.Sim.CreatePhoneAsync(Bob);
        await _sim.Sim.CreatePhoneAsync(Carol);
        var created = await _sim.Sim.PostOkAsync("sim/groups", new { subject = "Team", creator = Bob, participants = new[] { Me, Carol } }, 201);
        var group = Jid.Parse(created!["jid"]!.GetValue<string>());
        var first = await client.SendMessageAsync(group, MessageBuilder.Text("before"));
        await _sim.WaitForAsync(Bob, m => Id(m) == first.MessageId && m.Text() == "before");

        // Bob links a device no notification tells us about, and it never asks for a retry: only
        // the phash in the server's ack can tell us it exists.
        await _sim.Sim.PostOkAsync($"sim/phones/{Bob}/retries", new { answer = true, send = false }, 204);
        var bob = await _sim.Sim.PostOkAsync($"sim/phones/{Bob}/companions", new { count = 1, notify = false });
        var companion = bob!["devices"]!.AsArray().Single(d => d!["simulated"]!.GetValue<bool>())!["deviceId"]!.GetValue<int>();

        var second = await client.SendMessageAsync(group, MessageBuilder.Text("after the new device"));
        var resent = await _sim.WaitForCompanionAsync(Bob, companion, second.MessageId);
        Assert.Equal("after the new device", resent.Text());

        // It now holds our sender key: the next skmsg decrypts at once.
        var third = await client.SendMessageAsync(group, MessageBuilder.Text("third"));
        var next = await _sim.WaitForCompanionAsync(Bob, companion, third.MessageId);
        Assert.Equal("third", next.Text());
        Assert.Equal("skmsg", next["encType"]!.GetValue<string>());
    }

    private static string Id(JsonNode entry) => entry["id"]!.GetValue<string>();
}

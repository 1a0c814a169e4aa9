using WaOrleans.Protocol.Tests.Support;
using WaOrleans.Simulator.Tests.Support;

namespace WaOrleans.Simulator.Tests;

/// <summary>The proof for persistence: Baileys logs in to a new WaSim process state loaded from the data directory and gets what was queued.</summary>
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class BaileysPersistenceTests(InteropHarness harness) : BaileysTestBase(harness), IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("wasim-baileys-persist-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task Baileys_logs_in_to_a_restarted_server_with_its_saved_creds_and_receives_the_queued_message()
    {
        string auth, queued;
        await using (var first = await WaSimServer.StartAsync(new WaSimOptions { DataDirectory = _data }))
        {
            using var sim = new SimClient(first);
            await sim.CreatePhoneAsync("15559090901", "Rui");
            await sim.CreatePhoneAsync("15559090902", "Sol");
            await using (var client = await BaileysClient.StartAsync(Harness, first))
            {
                var qr = await client.WaitForQrAsync();
                await sim.PostOkAsync("sim/phones/15559090901/scan", new { qr });
                Assert.Equal(RestartRequired, await client.WaitForCloseAsync());
                auth = client.Auth;
            }

            await using (var online = await BaileysClient.StartAsync(Harness, first, auth))
            {
                await online.WaitForOpenAsync();
                var before = (await sim.PostOkAsync("sim/phones/15559090902/send", new { to = "15559090901", text = "before" }))!["id"]!.GetValue<string>();
                Assert.Equal("before", (await WaitForMessageAsync(online, before))["text"]!.GetValue<string>());
            }

            for (var attempt = 0; (await sim.GetJsonAsync("sim/phones/15559090901"))["devices"]![0]!["online"]!.GetValue<bool>(); attempt++)
            {
                Assert.True(attempt < PollAttempts, "the stopped Baileys client still looks online");
                await Task.Delay(100);
            }

            queued = (await sim.PostOkAsync("sim/phones/15559090902/send", new { to = "15559090901", text = "queued" }))!["id"]!.GetValue<string>();
        }

        await using var restarted = await WaSimServer.StartAsync(new WaSimOptions { DataDirectory = _data });
        await using var again = await BaileysClient.StartAsync(Harness, restarted, auth);
        await again.WaitForOpenAsync();
        Assert.Equal("queued", (await WaitForMessageAsync(again, queued))["text"]!.GetValue<string>());
        using var restartedSim = new SimClient(restarted);
        var after = (await restartedSim.PostOkAsync("sim/phones/15559090902/send", new { to = "15559090901", text = "after" }))!["id"]!.GetValue<string>();
        Assert.Equal("after", (await WaitForMessageAsync(again, after))["text"]!.GetValue<string>());
    }
}

using System.Text.Json.Nodes;
using WaOrleans.Simulator.Tests.Support;

namespace WaOrleans.Simulator.Tests;

public sealed class CompanionTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("wasim-companions-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task Simulated_companions_decrypt_messages_to_their_phone_and_copies_of_what_it_sends_also_after_a_restart()
    {
        await using (var server = await WaSimServer.StartAsync(new WaSimOptions { DataDirectory = _data }))
        {
            using var sim = new SimClient(server);
            var created = await sim.PostOkAsync("sim/phones", new { phone = "15558000001", companions = 2 }, 201);
            var devices = created!["devices"]!.AsArray();
            Assert.Equal([1, 2], devices.Select(d => d!["deviceId"]!.GetValue<int>()));
            Assert.All(devices, d => Assert.True(d!["simulated"]!.GetValue<bool>()));
            await sim.CreatePhoneAsync("15558000002");
            Assert.Equal(400, (int)(await sim.PostAsync("sim/phones", new { phone = "15558000003", companions = 99 })).StatusCode);

            var incoming = await SendAsync(sim, "15558000002", "15558000001", "to the phone and its companions");
            var outgoing = await SendAsync(sim, "15558000001", "15558000002", "from the phone");
            foreach (var device in new[] { 1, 2 })
            {
                var inbox = await InboxAsync(sim, device);
                Assert.Equal("to the phone and its companions", Single(inbox, incoming)["text"]!.GetValue<string>());
                var copy = Single(inbox, outgoing);
                Assert.Equal("from the phone", copy["text"]!.GetValue<string>());
                Assert.Contains("deviceSentMessage", copy["message"]!.GetValue<string>(), StringComparison.Ordinal);
                Assert.Contains("15558000002@s.whatsapp.net", copy["message"]!.GetValue<string>(), StringComparison.Ordinal);
            }
        }

        await using var restarted = await WaSimServer.StartAsync(new WaSimOptions { DataDirectory = _data });
        using var again = new SimClient(restarted);
        var later = await SendAsync(again, "15558000001", "15558000002", "after the restart");
        var entry = Single(await InboxAsync(again, 2), later);
        Assert.Null(entry["error"]?.GetValue<string>());
        Assert.Equal("after the restart", entry["text"]!.GetValue<string>());
    }

    private static async Task<string> SendAsync(SimClient sim, string from, string to, string text) =>
        (await sim.PostOkAsync($"sim/phones/{from}/send", new { to, text }))!["id"]!.GetValue<string>();

    private static async Task<JsonArray> InboxAsync(SimClient sim, int device) =>
        (await sim.GetJsonAsync($"sim/phones/15558000001/companions/{device}/inbox"))["messages"]!.AsArray();

    private static JsonNode Single(JsonArray inbox, string id) => Assert.Single(inbox, m => m!["id"]!.GetValue<string>() == id)!;
}

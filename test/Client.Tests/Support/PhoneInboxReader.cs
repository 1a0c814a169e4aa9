using System.Text.Json.Nodes;

namespace WaOrleans.Client.Tests.Support;

/// <summary>Polls a simulated phone's inbox until a decrypted message matches.</summary>
public static class PhoneInboxReader
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>Waits for a message in <paramref name="phone"/>'s inbox whose protobuf JSON (or text) satisfies <paramref name="match"/>.</summary>
    public static Task<JsonNode> WaitForAsync(this SimHarness sim, string phone, Func<JsonNode, bool> match) =>
        WaitInInboxAsync(sim, $"sim/phones/{phone}/inbox", $"{phone}'s inbox", match);

    /// <summary>Waits for message <paramref name="id"/>, decrypted, in the inbox of <paramref name="phone"/>'s simulated companion <paramref name="device"/>.</summary>
    public static Task<JsonNode> WaitForCompanionAsync(this SimHarness sim, string phone, int device, string id) =>
        WaitInInboxAsync(sim, $"sim/phones/{phone}/companions/{device}/inbox", $"the inbox of {phone}'s companion {device}",
            m => m["id"]!.GetValue<string>() == id && m["error"] is null && m["text"] is not null);

    private static async Task<JsonNode> WaitInInboxAsync(SimHarness sim, string path, string what, Func<JsonNode, bool> match)
    {
        var deadline = DateTime.UtcNow + Timeout;
        JsonNode? inbox = null;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await sim.Sim.GetAsync(path);
            inbox = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            if (inbox["messages"]!.AsArray().FirstOrDefault(m => m is not null && match(m)) is { } found)
            {
                return found;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"no matching message in {what}: {inbox?.ToJsonString()}");
    }

    /// <summary>The decrypted text of an inbox entry.</summary>
    public static string? Text(this JsonNode entry) => entry["text"]?.GetValue<string>();

    /// <summary>The whole message of an inbox entry as protobuf JSON.</summary>
    public static string Message(this JsonNode entry) => entry["message"]?.GetValue<string>() ?? "";
}

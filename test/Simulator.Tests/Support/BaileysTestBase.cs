using System.Text.Json.Nodes;
using WaOrleans.Protocol.Tests.Support;
using WaOrleans.Simulator.Tests.Support;

namespace WaOrleans.Simulator.Tests;

/// <summary>
/// Shared set-up of the Baileys interop tests: a fresh WaSim per test, its control API, and the
/// steps every flow repeats (pair by QR, wait for a message, read a phone's inbox).
/// </summary>
public abstract class BaileysTestBase(InteropHarness harness) : IAsyncLifetime
{
    /// <summary>Baileys' DisconnectReason.restartRequired.</summary>
    protected const int RestartRequired = 515;

    /// <summary>Baileys' DisconnectReason.loggedOut.</summary>
    protected const int LoggedOut = 401;

    /// <summary>Baileys' DisconnectReason.connectionReplaced.</summary>
    protected const int ConnectionReplaced = 440;

    /// <summary>Baileys' DisconnectReason.connectionClosed (the socket closed without a stream error).</summary>
    protected const int ConnectionClosed = 428;

    /// <summary>Baileys' DisconnectReason.connectionLost (no frame within keepalive + 5 s).</summary>
    protected const int ConnectionLost = 408;

    /// <summary>A keepalive short enough that a silent server is noticed in about 6 s instead of 35 s.</summary>
    protected const int ShortKeepAliveMs = 1000;

    /// <summary>How many times a test polls the control API, 100 ms apart, for something that happens right after a Baileys call returns; generous for a loaded CI machine.</summary>
    protected const int PollAttempts = 150;

    /// <summary>Baileys' WebMessageInfo.Status.ERROR, set when the server nacks a message.</summary>
    protected const int ErrorStatus = 0;

    /// <summary>Baileys' WebMessageInfo.Status.READ.</summary>
    protected const int ReadStatus = 4;

    /// <summary>
    /// How late a fault's nack reaches Baileys: well inside the 100 ms its event buffer holds the
    /// upsert of a message it just sent, and far below any step timeout.
    /// </summary>
    protected const int NackLateMs = 40;

    /// <summary>Gets the interop harness that runs Baileys.</summary>
    protected InteropHarness Harness { get; } = harness;

    /// <summary>Gets the server under test.</summary>
    protected WaSimServer Server { get; private set; } = null!;

    /// <summary>Gets the server's control API.</summary>
    protected SimClient Sim { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await WaSimServer.StartAsync(new WaSimOptions());
        Sim = new SimClient(Server);
    }

    public async Task DisposeAsync()
    {
        Sim.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>Polls a phone's inbox until the message arrives (the server routes it right after acking the sender).</summary>
    protected async Task<JsonNode> InboxEntryAsync(string phone, string id)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var response = await Sim.GetAsync($"sim/phones/{phone}/inbox");
            var inbox = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            var entry = inbox["messages"]!.AsArray().FirstOrDefault(e => e!["id"]!.GetValue<string>() == id);
            if (entry is not null || attempt == PollAttempts)
            {
                Assert.True(entry is not null, $"{phone}'s phone never got {id}: {inbox.ToJsonString()}");
                return entry!;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Waits for a status change of message <paramref name="id"/>, skipping those of other messages.</summary>
    protected static Task<JsonNode> WaitForStatusAsync(BaileysClient client, string id) => WaitForEventOfAsync(client, "status", id);

    /// <summary>Waits for the arrival of message <paramref name="id"/>, skipping other messages.</summary>
    protected static Task<JsonNode> WaitForMessageAsync(BaileysClient client, string id) => WaitForEventOfAsync(client, "message", id);

    /// <summary>Waits for the next <paramref name="type"/> event about message <paramref name="id"/>, skipping those about others.</summary>
    private static async Task<JsonNode> WaitForEventOfAsync(BaileysClient client, string type, string id)
    {
        while (true)
        {
            var e = await client.WaitForAsync(type);
            Assert.True(e["type"]!.GetValue<string>() == type, $"expected a {type}, got {e.ToJsonString()}");
            if (e["id"]!.GetValue<string>() == id)
            {
                return e;
            }
        }
    }

    /// <summary>
    /// Enters a code on the phone once the companion's request reached the server: Baileys'
    /// requestPairingCode returns before its companion_hello is answered, as a real user would
    /// only type the code after the server acknowledged it.
    /// </summary>
    protected async Task<HttpResponseMessage> EnterCodeAsync(string phone, string code)
    {
        for (var attempt = 0; ; attempt++)
        {
            var response = await Sim.PostAsync($"sim/phones/{phone}/pair-code", new { code });
            if (response.StatusCode != System.Net.HttpStatusCode.NotFound || attempt == PollAttempts)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(100);
        }
    }

    protected async Task<string> PairAsync(string phone)
    {
        await using var client = await BaileysClient.StartAsync(Harness, Server);
        var qr = await client.WaitForQrAsync();
        await Sim.PostOkAsync($"sim/phones/{phone}/scan", new { qr });
        Assert.Equal(RestartRequired, await client.WaitForCloseAsync());
        return client.Auth;
    }
}

using System.Text.Json.Nodes;
using WaOrleans.Protocol.Tests.Support;
using WaOrleans.Simulator;
using WaOrleans.Simulator.Tests.Support;

namespace WaOrleans.Client.Tests.Support;

/// <summary>A real Baileys socket linked on WaSim as a messaging peer (<c>test/Interop/ops/baileys-peer.mjs</c>).</summary>
public sealed class BaileysPeer : IAsyncDisposable
{
    /// <summary>How long a step may take; generous for a loaded CI machine, never reached when things work.</summary>
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(45);

    private readonly InteropHarness _harness;
    private readonly long _id;

    private BaileysPeer(InteropHarness harness, long id, string auth)
    {
        _harness = harness;
        _id = id;
        Auth = auth;
    }

    /// <summary>Gets the folder Baileys keeps its credentials in (<c>useMultiFileAuthState</c>).</summary>
    public string Auth { get; }

    /// <summary>Starts a Baileys socket and links it to <paramref name="phone"/> (created on the simulator) by QR.</summary>
    /// <remarks>Takes the server and its control client rather than a test project's harness, so the API tests share it.</remarks>
    public static async Task<BaileysPeer> LinkAsync(InteropHarness harness, WaSimServer server, SimClient sim, string phone)
    {
        ArgumentNullException.ThrowIfNull(harness);
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(sim);
        await sim.CreatePhoneAsync(phone);
        var started = await harness.CallAsync("peer.start", new { url = server.WebSocketUri.ToString() });
        var peer = new BaileysPeer(harness, started!["id"]!.GetValue<long>(), started["auth"]!.GetValue<string>());
        var qr = await peer.WaitForAsync("qr");
        await sim.PostOkAsync($"sim/phones/{phone}/scan", new { qr = qr["qr"]!.GetValue<string>() });
        await peer.WaitForAsync("open");
        return peer;
    }

    /// <summary>Waits for the next event of <paramref name="type"/>.</summary>
    public async Task<JsonNode> WaitForAsync(string type) =>
        (await _harness.CallAsync("peer.waitFor", new { id = _id, types = new[] { type }, timeoutMs = (int)StepTimeout.TotalMilliseconds }))!;

    /// <summary>Waits for a received message by id and returns its summary.</summary>
    public async Task<JsonNode> WaitForMessageAsync(string messageId) =>
        (await _harness.CallAsync("peer.waitFor", new { id = _id, types = new[] { "message" }, messageId, timeoutMs = (int)StepTimeout.TotalMilliseconds }))!;

    /// <summary>Sends with <c>sendMessage</c>; <paramref name="args"/> carries <c>content</c> and the op's shorthands.</summary>
    public async Task<string> SendAsync(string to, object args)
    {
        var node = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(args))!.AsObject();
        node["id"] = _id;
        node["to"] = to;
        return (await _harness.CallAsync("peer.send", node))!.GetValue<string>();
    }

    /// <summary>Downloads and decrypts a received media message with Baileys' <c>downloadMediaMessage</c>.</summary>
    public async Task<byte[]> DownloadAsync(string messageId) =>
        Convert.FromBase64String((await _harness.CallAsync("peer.download", new { id = _id, messageId }))!.GetValue<string>());

    /// <summary>Votes on a poll Baileys sent or received (<c>peer.vote</c>: encrypted with Baileys' crypto, sent with its <c>relayMessage</c>); returns the vote's message id.</summary>
    public async Task<string> VoteAsync(string to, string pollId, IReadOnlyList<string> options) =>
        (await _harness.CallAsync("peer.vote", new { id = _id, to, pollId, options }))!["id"]!.GetValue<string>();

    /// <summary>Decrypts a received vote with Baileys' <c>decryptPollVote</c>; returns the selected option names.</summary>
    public async Task<IReadOnlyList<string>> DecryptVoteAsync(string pollId, string voteId) =>
        [.. (await _harness.CallAsync("peer.decryptVote", new { id = _id, pollId, voteId }))!["options"]!.AsArray().Select(o => o!.GetValue<string>())];

    /// <summary>Ends the socket.</summary>
    public async ValueTask DisposeAsync() => await _harness.CallAsync("peer.stop", new { id = _id });
}

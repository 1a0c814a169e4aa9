using System.Text.Json.Nodes;
using WaOrleans.Protocol.Tests.Support;

namespace WaOrleans.Simulator.Tests.Support;

/// <summary>One real Baileys socket in the interop harness (<c>test/Interop/ops/baileys-client.mjs</c>).</summary>
public sealed class BaileysClient : IAsyncDisposable
{
    /// <summary>How long a step of a flow may take; generous for a loaded CI machine, never reached when things work.</summary>
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(45);

    private readonly InteropHarness _harness;
    private readonly long _id;

    private BaileysClient(InteropHarness harness, long id, string auth)
    {
        _harness = harness;
        _id = id;
        Auth = auth;
    }

    /// <summary>Gets the folder holding the socket's credentials; pass it to <see cref="StartAsync"/> to log in again.</summary>
    public string Auth { get; }

    /// <summary>Opens a Baileys socket to the server, with new credentials or those saved in <paramref name="auth"/>.</summary>
    public static async Task<BaileysClient> StartAsync(InteropHarness harness, WaSimServer server, string? auth = null, int? keepAliveMs = null)
    {
        var result = await harness.CallAsync("client.start", new { url = server.WebSocketUri.ToString(), auth, keepAliveMs });
        return new BaileysClient(harness, result!["id"]!.GetValue<long>(), result["auth"]!.GetValue<string>());
    }

    /// <summary>Waits for the next event of one of <paramref name="types"/> (a close always ends the wait) and returns it.</summary>
    public async Task<JsonNode> WaitForAsync(params string[] types) =>
        (await _harness.CallAsync("client.waitFor", new { id = _id, types, timeoutMs = (int)StepTimeout.TotalMilliseconds }))!;

    /// <summary>Waits for a QR and returns its string.</summary>
    public async Task<string> WaitForQrAsync()
    {
        var qr = await WaitForAsync("qr");
        Assert.True(qr["type"]!.GetValue<string>() == "qr", $"expected a QR, got {qr.ToJsonString()}");
        return qr["qr"]!.GetValue<string>();
    }

    /// <summary>Waits for <c>connection: open</c>, failing with the close reason if the socket closed instead.</summary>
    public async Task<JsonNode> WaitForOpenAsync()
    {
        var open = await WaitForAsync("open");
        Assert.True(open["type"]!.GetValue<string>() == "open", $"expected open, got {open.ToJsonString()}");
        return open;
    }

    /// <summary>Waits for the socket to close and returns Baileys' status code.</summary>
    public async Task<int?> WaitForCloseAsync()
    {
        var close = await WaitForAsync("close");
        return close["statusCode"]?.GetValue<int>();
    }

    /// <summary>Calls <c>requestPairingCode(phone)</c> and returns the code Baileys shows.</summary>
    public async Task<string> RequestPairingCodeAsync(string phone) =>
        (await _harness.CallAsync("client.requestPairingCode", new { id = _id, phone }))!.GetValue<string>();

    /// <summary>Sends a text with <c>sendMessage(to, {text})</c> and returns the message id.</summary>
    public async Task<string> SendTextAsync(string to, string text) =>
        (await _harness.CallAsync("client.sendText", new { id = _id, to, text }))!.GetValue<string>();

    /// <summary>Sends an image (uploaded to WaSim's media host) with a caption; returns the message id.</summary>
    public async Task<string> SendImageAsync(string to, byte[] image, string caption) =>
        (await _harness.CallAsync("client.sendImage", new { id = _id, to, base64 = Convert.ToBase64String(image), caption }))!.GetValue<string>();

    /// <summary>Subscribes to a contact's presence (<c>presenceSubscribe</c>).</summary>
    public Task SubscribePresenceAsync(string jid) => _harness.CallAsync("client.presenceSubscribe", new { id = _id, jid });

    /// <summary>Announces a presence or chat state (<c>sendPresenceUpdate(type, jid)</c>): available, composing, paused…</summary>
    public Task SendPresenceAsync(string type, string? jid = null) => _harness.CallAsync("client.sendPresence", new { id = _id, type, jid });

    /// <summary>Downloads and decrypts a received media message with Baileys' <c>downloadMediaMessage</c>.</summary>
    public async Task<byte[]> DownloadAsync(string messageId) =>
        Convert.FromBase64String((await _harness.CallAsync("client.download", new { id = _id, messageId }))!.GetValue<string>());

    /// <summary>Marks a received message read (<c>readMessages</c>), which sends a read receipt.</summary>
    public Task ReadAsync(string chat, string messageId) =>
        _harness.CallAsync("client.read", new { id = _id, chat, messageId });

    /// <summary>Calls <c>onWhatsApp(...phones)</c> (a USync contact query) and returns Baileys' answer.</summary>
    public async Task<JsonArray> OnWhatsAppAsync(params string[] phones) =>
        (await _harness.CallAsync("client.onWhatsApp", new { id = _id, phones }))!.AsArray();

    /// <summary>Returns the socket's saved credentials summary: me, registered, platform.</summary>
    public async Task<JsonNode> CredsAsync() => (await _harness.CallAsync("client.creds", new { id = _id }))!;

    /// <summary>Ends the socket.</summary>
    public async ValueTask DisposeAsync() => await _harness.CallAsync("client.stop", new { id = _id });
}

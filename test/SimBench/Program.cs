using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Noise;
using WaOrleans.Protocol.Proto;
using WaOrleans.Simulator;
using Google.Protobuf;

// WaSim load test: how many messages/s it relays between N logged-in devices, and how many idle
// connections it holds. Usage:
//   dotnet run -c Release --project test/SimBench -- [--devices 50] [--seconds 10] [--window 64] [--idle 0]
// It starts WaSim in-process on free ports, provisions one companion per simulated account, logs
// them in over real WebSocket + Noise, and has each device send to the next one. With
// --url http://127.0.0.1:7780/ it drives a WaSim started separately instead (its own process, so
// each side holds only its own sockets: 10,000 idle connections need 20,000 descriptors in one).
var devices = Option("--devices", 50);
var seconds = Option("--seconds", 10);
var window = Option("--window", 64);
var idle = Option("--idle", 0);
var url = Array.IndexOf(args, "--url") is var u and >= 0 && u + 1 < args.Length ? new Uri(args[u + 1]) : null;

await using var inProcess = url is null ? await WaSimServer.StartAsync(new WaSimOptions()) : null;
using var http = new HttpClient { BaseAddress = url ?? inProcess!.BaseUri };
var rootKeyInfo = await http.GetFromJsonAsync<RootKeyInfo>("sim/root-key") ?? throw new InvalidOperationException("no root key");
var server = new Target(new Uri(rootKeyInfo.WebSocketUrl), Convert.FromHexString(rootKeyInfo.RootKey));
Console.WriteLine($"WaSim at {http.BaseAddress}; {devices} devices, window {window}, {seconds} s; {idle} idle connections");

var clients = new List<LoadClient>();
for (var i = 0; i < devices; i++)
{
    clients.Add(await LoadClient.ConnectAsync(server, http, 19_000_000_000 + i));
}

for (var i = 0; i < devices; i++)
{
    clients[i].Peer = clients[(i + 1) % devices].Jid;
}

var idleSockets = new List<NoiseSocket>();
if (idle > 0)
{
    var started = Stopwatch.StartNew();
    for (var i = 0; i < idle; i++)
    {
        idleSockets.Add((await LoadClient.ConnectAsync(server, http, 18_000_000_000 + i)).Socket);
    }

    Console.WriteLine($"holding {idleSockets.Count} idle logged-in connections (opened in {started.Elapsed.TotalSeconds:F1} s), " +
        $"process working set {Environment.WorkingSet >> 20} MiB");
}

using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
var clock = Stopwatch.StartNew();
await Task.WhenAll(clients.Select(c => c.RunAsync(window, stop.Token)));
var elapsed = clock.Elapsed.TotalSeconds;
var relayed = clients.Sum(c => c.Received);
Console.WriteLine($"relayed {relayed} messages in {elapsed:F1} s: {relayed / elapsed:F0} messages/s " +
    $"({clients.Sum(c => c.Acked)} server acks)");

foreach (var client in clients)
{
    await client.Socket.DisposeAsync();
}

foreach (var socket in idleSockets)
{
    await socket.DisposeAsync();
}

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

/// <summary>One logged-in device that sends to its peer with a bounded window of unacknowledged messages and acks what it receives.</summary>
internal sealed class LoadClient
{
    private static readonly byte[] Payload = new byte[64];

    private LoadClient(NoiseSocket socket, Jid jid)
    {
        Socket = socket;
        Jid = jid;
    }

    public NoiseSocket Socket { get; }

    public Jid Jid { get; }

    public Jid Peer { get; set; }

    public long Received { get; private set; }

    public long Acked { get; private set; }

    public static async Task<LoadClient> ConnectAsync(Target server, HttpClient http, long number)
    {
        var phone = number.ToString(CultureInfo.InvariantCulture);
        var noise = Curve25519.GenerateKeyPair();
        (await http.PostAsJsonAsync("sim/phones", new { phone })).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync($"sim/phones/{phone}/devices", new { noiseKey = Convert.ToBase64String(noise.PublicKey) })).EnsureSuccessStatusCode();
        var transport = await WebSocketFrameTransport.ConnectAsync(server.WebSocket);
        var payload = new ClientPayload { Username = (ulong)number, Device = 1, Passive = true, Pull = true };
        var connected = await NoiseSocket.ConnectAsync(transport, new NoiseClientOptions
        {
            StaticKey = noise,
            ClientPayload = payload.ToByteArray(),
            RootKey = server.RootKey,
        });
        return new LoadClient(connected.Socket, new Jid(phone, JidServer.PhoneNumber, 1));
    }

    public async Task RunAsync(int window, CancellationToken stop)
    {
        using var credits = new SemaphoreSlim(window, window);
        var reading = ReadAsync(credits, stop);
        long next = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await credits.WaitAsync(stop);
                var id = $"{Jid.User}-{next++}";
                var message = new Node("message", new Dictionary<string, AttrValue> { ["id"] = id, ["to"] = Peer, ["type"] = "text" },
                    NodeContent.FromChildren(new Node("enc", new Dictionary<string, AttrValue> { ["v"] = "2", ["type"] = "msg" }, Payload)));
                await Socket.SendFrameAsync(NodeWriter.EncodeFrame(message), stop);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or TransportException)
        {
            // The run is over; cancelling the reader aborts the WebSocket, so a last send may find it closed.
        }

        await reading;
    }

    private async Task ReadAsync(SemaphoreSlim credits, CancellationToken stop)
    {
        try
        {
            while (await Socket.ReceiveFrameAsync(stop) is { } frame)
            {
                var node = NodeReader.DecodeFrame(frame);
                if (node.Tag == "ack" && node.GetAttr("class") == "message")
                {
                    Acked++;
                    credits.Release();
                }
                else if (node.Tag == "message" && node.GetAttr("id") is { } id)
                {
                    Received++;
                    var ack = new Node("ack", new Dictionary<string, AttrValue> { ["id"] = id, ["class"] = "message", ["to"] = node.Attrs["from"] });
                    await Socket.SendFrameAsync(NodeWriter.EncodeFrame(ack), stop);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or TransportException)
        {
            // Stopped, or the socket was aborted by the cancellation.
        }
    }
}

/// <summary>Where the load goes: WaSim's WebSocket address and the root key its certificate chain leads to.</summary>
internal sealed record Target(Uri WebSocket, byte[] RootKey);

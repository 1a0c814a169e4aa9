using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using WaOrleans.Client.Tests.Support;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Store;
using WaOrleans.Simulator;
using WaOrleans.Simulator.Tests.Support;

namespace WaOrleans.Client.Tests.Support;

/// <summary>A WaSim server per test, plus helpers to build clients against it and drive its phones.</summary>
public sealed class SimHarness : IAsyncDisposable
{
    private readonly List<WaClient> _clients = [];

    private SimHarness(WaSimServer server)
    {
        Server = server;
        Sim = new SimClient(server);
    }

    /// <summary>Gets the running simulator.</summary>
    public WaSimServer Server { get; }

    /// <summary>Gets the control-API client.</summary>
    public SimClient Sim { get; }

    /// <summary>Starts a simulator on a free port.</summary>
    public static async Task<SimHarness> StartAsync(WaSimOptions? options = null) =>
        new(await WaSimServer.StartAsync(options ?? new WaSimOptions()));

    /// <summary>Options pointing at this simulator, with timers short enough for tests.</summary>
    public WaClientOptions Options() =>
        new()
        {
            Endpoint = Server.WebSocketUri,
            RootKey = Server.RootPublicKey,
            KeepAliveInterval = TimeSpan.FromSeconds(5),
            KeepAliveGrace = TimeSpan.FromSeconds(2),
            ReconnectBaseDelay = TimeSpan.FromMilliseconds(50),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(400),
            QueryTimeout = TimeSpan.FromSeconds(10),
            MediaCertificateValidation = TrustsSimMediaHost,
        };

    /// <summary>Pins the simulator's self-signed media certificate: the client trusts nothing else beyond the system roots.</summary>
    private bool TrustsSimMediaHost(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        errors == SslPolicyErrors.None
        || (certificate is not null && certificate.GetCertHash(HashAlgorithmName.SHA256).AsSpan().SequenceEqual(Server.MediaCertificateSha256.Span));

    /// <summary>Creates a client (disposed with the harness) and an event recorder for it.</summary>
    public (WaClient Client, EventRecorder Events) NewClient(IDeviceStore store, WaClientOptions? options = null)
    {
        var client = new WaClient(store, options ?? Options());
        _clients.Add(client);
        return (client, new EventRecorder(client));
    }

    /// <summary>Pairs a fresh device with <paramref name="phone"/> by QR and waits until it is connected.</summary>
    public async Task<(WaClient Client, EventRecorder Events, InMemoryDeviceStore Store)> PairByQrAsync(string phone, WaClientOptions? options = null)
    {
        await Sim.CreatePhoneAsync(phone);
        var store = new InMemoryDeviceStore();
        var (client, events) = NewClient(store, options);
        await client.StartAsync();
        var qr = await events.NextAsync<QrCodeEvent>();
        await Sim.PostOkAsync($"sim/phones/{phone}/scan", new { qr = qr.Code });
        await events.NextAsync<ConnectedEvent>();
        return (client, events, store);
    }

    /// <summary>Reads a phone's account from the control API.</summary>
    public async Task<JsonNode> PhoneAsync(string phone)
    {
        using var response = await Sim.GetAsync($"sim/phones/{phone}");
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    /// <summary>Injects a fault into a connected device.</summary>
    public Task FaultAsync(string deviceJid, string kind, int? code = null) =>
        Sim.PostOkAsync($"sim/devices/{deviceJid}/fault", new { kind, code }, 204);

    /// <summary>Stops every client, then the simulator.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        Sim.Dispose();
        await Server.DisposeAsync();
    }
}

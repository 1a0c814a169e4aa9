using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Noise;

namespace WaOrleans.Client.Tests.Support;

/// <summary>
/// A server that completes the Noise handshake and answers every connection with one fixed stanza
/// (a <c>failure</c> WaSim has no fault for), then closes. Counts connections, to prove no retry.
/// </summary>
public sealed class RefusingServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _connections;

    private RefusingServer(WebApplication app, byte[] rootKey)
    {
        _app = app;
        RootKey = rootKey;
    }

    /// <summary>Gets the WebSocket address.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Gets the root key its certificate chain leads to.</summary>
    public byte[] RootKey { get; }

    /// <summary>Gets how many clients completed the handshake.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Starts a server on a free loopback port that answers each connection with <paramref name="answer"/>.</summary>
    public static async Task<RefusingServer> StartAsync(Node answer)
    {
        var root = Curve25519.GenerateKeyPair();
        var serverStatic = Curve25519.GenerateKeyPair();
        var now = DateTimeOffset.UtcNow;
        var options = new NoiseServerOptions
        {
            StaticKey = serverStatic,
            CertificateChain = CertificateChainBuilder.CreateChain(root, Curve25519.GenerateKeyPair(), serverStatic.PublicKey, now.AddDays(-1), now.AddDays(1)),
        };
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new RefusingServer(app, root.PublicKeyBytes());
        app.UseWebSockets();
        app.Map("/ws/chat", async (HttpContext context) =>
        {
            var socket = await context.WebSockets.AcceptWebSocketAsync();
            var accepted = await NoiseSocket.AcceptAsync(new WebSocketFrameTransport(socket), options);
            await using var noise = accepted.Socket;
            Interlocked.Increment(ref server._connections);
            await noise.SendFrameAsync(NodeWriter.EncodeFrame(answer));
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Endpoint = new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal).TrimEnd('/') + "/ws/chat");
        return server;
    }

    /// <summary>Stops the server.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WaOrleans.Protocol.Noise;
using WaOrleans.Protocol.Proto;

namespace WaOrleans.Simulator;

/// <summary>
/// WaSim: a local WhatsApp Web server (the server side of PROTOCOL.md §10) with simulated phones,
/// driven by an HTTP control API under <c>/sim</c>. Runs in-process; start it with
/// <see cref="StartAsync"/> and dispose it to stop.
/// </summary>
public sealed partial class WaSimServer : IAsyncDisposable
{
    /// <summary>The WebSocket path clients connect to, as on web.whatsapp.com.</summary>
    public const string ChatPath = "/ws/chat";

    private readonly WebApplication _app;
    private readonly SimCertificateAuthority _ca;
    private readonly NoiseServerOptions _noiseOptions;
    private readonly ConcurrentDictionary<SimConnection, byte> _connections = new();
    private readonly CancellationTokenSource _stopping = new();

    private readonly System.Security.Cryptography.X509Certificates.X509Certificate2 _mediaCertificate;

    private WaSimServer(WebApplication app, WaSimOptions options, SimCertificateAuthority ca,
        System.Security.Cryptography.X509Certificates.X509Certificate2 mediaCertificate, ILogger logger)
    {
        _app = app;
        _mediaCertificate = mediaCertificate;
        Options = options;
        _ca = ca;
        Logger = logger;
        _noiseOptions = new NoiseServerOptions { StaticKey = ca.ServerStatic, CertificateChain = ca.Chain, TimeProvider = options.TimeProvider };
    }

    /// <summary>Gets the control API's base address, such as <c>http://127.0.0.1:7780/</c>.</summary>
    public Uri BaseUri { get; private set; } = null!;

    /// <summary>Gets the media host's base address (https, self-signed), which <c>media_conn</c> hands to clients.</summary>
    public Uri MediaUri { get; private set; } = null!;

    /// <summary>Gets the WebSocket address clients use instead of <c>wss://web.whatsapp.com/ws/chat</c>.</summary>
    public Uri WebSocketUri => new($"ws://{BaseUri.Authority}{ChatPath}");

    /// <summary>Gets a copy of the root public key clients must trust in place of WhatsApp's.</summary>
    public byte[] RootPublicKey => _ca.RootPublicKey.ToArray();

    internal WaSimOptions Options { get; }

    internal SimState State { get; } = new();

    internal MediaStore Media { get; } = new();

    internal ILogger Logger { get; }

    /// <summary>Starts the server on 127.0.0.1 and returns once it accepts connections.</summary>
    public static async Task<WaSimServer> StartAsync(
        WaSimOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ca = SimCertificateAuthority.LoadOrCreate(options.DataDirectory, options.TimeProvider.GetUtcNow());
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        var mediaCertificate = MediaStore.CreateCertificate(options.TimeProvider.GetUtcNow());
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port);
            kestrel.Listen(IPAddress.Loopback, options.MediaPort, listen => listen.UseHttps(mediaCertificate));
        });
        var app = builder.Build();
        var server = new WaSimServer(app, options, ca, mediaCertificate, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("WaSim"));
        app.UseWebSockets();
        app.Map(ChatPath, server.AcceptAsync);
        server.MapControlApi(app);
        server.MapMedia(app);
        await server.RestoreAsync().ConfigureAwait(false);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        server.BaseUri = new Uri(addresses.First(a => a.StartsWith("http:", StringComparison.Ordinal)).TrimEnd('/') + "/");
        server.MediaUri = new Uri(addresses.First(a => a.StartsWith("https:", StringComparison.Ordinal)).TrimEnd('/') + "/");
        server.StartSaver();
        LogMessages.Listening(server.Logger, server.BaseUri);
        return server;
    }

    /// <summary>Closes every client connection, stops listening, and saves the state if the server has a data directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await DropAllConnectionsAsync().ConfigureAwait(false);
        await _app.StopAsync().ConfigureAwait(false);
        await StopSaverAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _mediaCertificate.Dispose();
    }

    /// <summary>Forgets a connection that ended, and everything that pointed at it.</summary>
    internal void OnDisconnected(SimConnection connection)
    {
        _connections.TryRemove(connection, out _);
        State.RemoveQrRefs(connection);
        lock (State.Sync)
        {
            if (connection.Device is { } device && device.Connection == connection)
            {
                device.Connection = null;
            }
        }
    }

    private async Task AcceptAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        if (IsDown)
        {
            // A restarting server is unreachable; clients see their connection attempt fail.
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        var webSocket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        NoiseAcceptResult accepted;
        try
        {
            accepted = await NoiseSocket.AcceptAsync(new WebSocketFrameTransport(webSocket), _noiseOptions, _stopping.Token).ConfigureAwait(false);
        }
        catch (NoiseHandshakeException ex)
        {
            // Garbage before or during the handshake: the transport is already closed; others are unaffected.
            LogMessages.HandshakeRejected(Logger, ex.Message);
            return;
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            return;
        }

        ClientPayload payload;
        try
        {
            payload = ClientPayload.Parser.ParseFrom(accepted.ClientPayload.Span);
        }
        catch (InvalidProtocolBufferException ex)
        {
            LogMessages.HandshakeRejected(Logger, "undecodable ClientPayload: " + ex.Message);
            await accepted.Socket.DisposeAsync().ConfigureAwait(false);
            return;
        }

        var connection = new SimConnection(this, accepted.Socket, payload, accepted.ClientStaticKey.ToArray(), _stopping.Token);
        _connections[connection] = 0;
        await connection.RunAsync().ConfigureAwait(false);
    }

    /// <summary>Lists the logged-in connections of <paramref name="account"/>'s companions, oldest first.</summary>
    private List<ConnectionInfo> DescribeConnections(SimAccount account) =>
        [.. _connections.Keys
            .Where(c => c.Device is { } device && device.Account == account && c.LoggedInAt is not null)
            .Select(c => new ConnectionInfo(c.Device!.Jid.ToString(), c.LoggedInAt!.Value, c.IsClosing))
            .OrderBy(c => c.LoggedInAt)];

    private async Task DropAllConnectionsAsync()
    {
        foreach (var connection in _connections.Keys)
        {
            await connection.CloseAsync().ConfigureAwait(false);
        }
    }
}

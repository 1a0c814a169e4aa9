using System.Net;
using System.Net.Sockets;
using WaOrleans.Protocol.Noise;

namespace WaOrleans.Protocol.Tests.Support;

/// <summary>A one-connection loopback server handing out an <see cref="IFrameTransport"/> over TCP ("tcp") or a WebSocket ("ws").</summary>
public sealed class LoopbackListener : IAsyncDisposable
{
    private readonly TcpListener? _tcp;
    private readonly LoopbackWebSocketServer? _ws;

    private LoopbackListener(TcpListener? tcp, LoopbackWebSocketServer? ws)
    {
        _tcp = tcp;
        _ws = ws;
    }

    /// <summary>Gets the port clients connect to.</summary>
    public int Port => _tcp is not null ? ((IPEndPoint)_tcp.LocalEndpoint).Port : _ws!.Uri.Port;

    /// <summary>Gets the ws:// address (WebSocket listeners only).</summary>
    public Uri Uri => _ws?.Uri ?? throw new InvalidOperationException("not a WebSocket listener");

    /// <summary>Gets the upgrade request's headers (WebSocket listeners only).</summary>
    public IReadOnlyDictionary<string, string> RequestHeaders => _ws?.RequestHeaders ?? new Dictionary<string, string>();

    /// <summary>Starts listening on 127.0.0.1 with an ephemeral port.</summary>
    public static Task<LoopbackListener> StartAsync(string transport)
    {
        if (transport == "ws")
        {
            return Task.FromResult(new LoopbackListener(null, new LoopbackWebSocketServer()));
        }

        var tcp = new TcpListener(IPAddress.Loopback, 0);
        tcp.Start();
        return Task.FromResult(new LoopbackListener(tcp, null));
    }

    /// <summary>Connects a client transport of the given kind to 127.0.0.1:<paramref name="port"/>.</summary>
    public static async Task<IFrameTransport> ConnectAsync(string transport, int port)
    {
        if (transport == "ws")
        {
            return await WebSocketFrameTransport.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/ws/chat"));
        }

        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        return new StreamFrameTransport(client.GetStream());
    }

    /// <summary>Accepts one client and wraps it as a transport.</summary>
    public async Task<IFrameTransport> AcceptAsync(CancellationToken cancellationToken = default)
    {
        if (_ws is not null)
        {
            return new WebSocketFrameTransport(await _ws.AcceptAsync(cancellationToken));
        }

        var client = await _tcp!.AcceptTcpClientAsync(cancellationToken);
        return new StreamFrameTransport(client.GetStream());
    }

    /// <summary>Stops listening.</summary>
    public ValueTask DisposeAsync()
    {
        _tcp?.Dispose();
        _ws?.Dispose();
        return ValueTask.CompletedTask;
    }
}

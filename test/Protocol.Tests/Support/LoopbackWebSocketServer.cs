using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

namespace WaOrleans.Protocol.Tests.Support;

/// <summary>
/// A one-connection WebSocket server on 127.0.0.1 built from a <see cref="TcpListener"/> and
/// <see cref="WebSocket.CreateFromStream(Stream, WebSocketCreationOptions)"/>, so tests need no ASP.NET.
/// </summary>
public sealed class LoopbackWebSocketServer : IDisposable
{
    /// <summary>The GUID RFC 6455 §1.3 appends to the client's key before hashing.</summary>
    private const string HandshakeGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    /// <summary>Starts listening on an ephemeral port.</summary>
    public LoopbackWebSocketServer() => _listener.Start();

    /// <summary>Gets the ws:// address clients connect to.</summary>
    public Uri Uri => new($"ws://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/ws/chat");

    /// <summary>Gets the request headers of the last accepted upgrade.</summary>
    public IReadOnlyDictionary<string, string> RequestHeaders { get; private set; } = new Dictionary<string, string>();

    /// <summary>Accepts one client, completes the HTTP upgrade and returns the server-side WebSocket.</summary>
    public async Task<WebSocket> AcceptAsync(CancellationToken cancellationToken = default)
    {
        var client = await _listener.AcceptTcpClientAsync(cancellationToken);
        var stream = client.GetStream();
        var headers = await ReadRequestHeadersAsync(stream, cancellationToken);
        RequestHeaders = headers;
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(headers["sec-websocket-key"] + HandshakeGuid)));
        var response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + $"Sec-WebSocket-Accept: {accept}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(response), cancellationToken);
        return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true });
    }

    /// <summary>Stops listening.</summary>
    public void Dispose() => _listener.Dispose();

    private static async Task<Dictionary<string, string>> ReadRequestHeadersAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        // Read byte by byte so no WebSocket bytes after the blank line are swallowed.
        var text = new StringBuilder();
        var one = new byte[1];
        while (!text.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                throw new IOException("client closed during the WebSocket upgrade");
            }

            text.Append((char)one[0]);
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in text.ToString().Split("\r\n").Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        return headers;
    }
}

using System.Net.WebSockets;

namespace WaOrleans.Protocol.Noise;

/// <summary>
/// Carries a Noise connection over a <see cref="WebSocket"/> as binary messages (PROTOCOL.md §1.1).
/// Each send is one message; received messages are treated as a byte stream, because one message
/// may hold several frames or part of one.
/// </summary>
public sealed class WebSocketFrameTransport : IFrameTransport
{
    private readonly WebSocket _socket;
    private int _closed;
    private bool _peerClosed;

    /// <summary>Wraps an open WebSocket (client or server side); the transport owns and disposes it.</summary>
    public WebSocketFrameTransport(WebSocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        _socket = socket;
    }

    /// <summary>
    /// Opens a client WebSocket to <paramref name="uri"/> (default <see cref="NoiseConstants.WebSocketUrl"/>)
    /// with the Origin header WhatsApp expects (or <paramref name="origin"/>), and wraps it.
    /// </summary>
    /// <exception cref="TransportException">The connection could not be opened.</exception>
    public static async Task<WebSocketFrameTransport> ConnectAsync(Uri? uri = null, CancellationToken cancellationToken = default, string? origin = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", origin ?? NoiseConstants.Origin);
        try
        {
            await socket.ConnectAsync(uri ?? new Uri(NoiseConstants.WebSocketUrl), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException)
        {
            socket.Dispose();
            throw new TransportException(TransportErrorKind.TransportFailed, "failed to open the WebSocket", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new WebSocketFrameTransport(socket);
    }

    /// <summary>Sends the bytes as one binary message.</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        try
        {
            await _socket.SendAsync(data, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException)
        {
            throw Failure("failed to send a WebSocket message", ex);
        }
    }

    /// <summary>
    /// Waits with a zero-byte receive until a binary message with bytes has started (the WebSocket
    /// reads its header only), skipping empty messages; answers the peer's close.
    /// </summary>
    public async ValueTask WaitToReceiveAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!_peerClosed)
            {
                var result = await _socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
                switch (result.MessageType)
                {
                    case WebSocketMessageType.Close:
                        _peerClosed = true;
                        await CloseAsync(cancellationToken).ConfigureAwait(false);
                        return;
                    case WebSocketMessageType.Text:
                        throw new TransportException(TransportErrorKind.TransportFailed, "received a text WebSocket message; WhatsApp sends binary only");
                    case WebSocketMessageType.Binary when !result.EndOfMessage:
                        return;
                    default:
                        // An empty binary message carries nothing: keep waiting without a buffer.
                        continue;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException)
        {
            throw Failure("failed to receive a WebSocket message", ex);
        }
    }

    /// <summary>Receives the next bytes of binary data; answers the peer's close and reports it as 0.</summary>
    public async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (_peerClosed)
        {
            return 0;
        }

        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
                switch (result.MessageType)
                {
                    case WebSocketMessageType.Close:
                        _peerClosed = true;
                        await CloseAsync(cancellationToken).ConfigureAwait(false);
                        return 0;
                    case WebSocketMessageType.Text:
                        throw new TransportException(TransportErrorKind.TransportFailed, "received a text WebSocket message; WhatsApp sends binary only");
                    case WebSocketMessageType.Binary when result.Count > 0:
                        return result.Count;
                    default:
                        // An empty binary message carries nothing; 0 must keep meaning "closed".
                        continue;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException)
        {
            throw Failure("failed to receive a WebSocket message", ex);
        }
    }

    /// <summary>Sends a normal-closure close frame if the socket is still open for sending.</summary>
    public async ValueTask CloseAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException)
            {
                // The peer is already gone; there is nobody left to tell.
            }
        }
    }

    /// <summary>Closes the transport and disposes the WebSocket.</summary>
    public async ValueTask DisposeAsync()
    {
        await CloseAsync(CancellationToken.None).ConfigureAwait(false);
        _socket.Dispose();
    }

    private TransportException Failure(string step, Exception ex) => Volatile.Read(ref _closed) != 0
        ? new TransportException(TransportErrorKind.Closed, $"{step}: the transport is closed", ex)
        : new TransportException(TransportErrorKind.TransportFailed, step, ex);
}

namespace WaOrleans.Protocol.Noise;

/// <summary>
/// The duplex byte carrier under a <see cref="NoiseSocket"/>: a TCP or pipe stream
/// (<see cref="StreamFrameTransport"/>) or a WebSocket (<see cref="WebSocketFrameTransport"/>).
/// Framing is not its concern; one receive may return part of a frame or several frames.
/// </summary>
/// <remarks>
/// Callers never run two sends or two receives at once; one send and one receive may overlap.
/// Implementations report I/O failures as <see cref="TransportException"/> and let
/// <see cref="OperationCanceledException"/> through.
/// </remarks>
public interface IFrameTransport : IAsyncDisposable
{
    /// <summary>Sends the bytes as one unit (one WebSocket message), so the intro and first frame travel together.</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>
    /// Waits until a receive would find bytes (or the end of the stream) without holding a buffer
    /// meanwhile (a zero-byte read), so an idle connection keeps no receive buffer.
    /// </summary>
    /// <remarks>
    /// Returning early is allowed (the next <see cref="ReceiveAsync"/> then waits with its buffer);
    /// consuming bytes is not. A clean close seen here makes the next receive return 0.
    /// </remarks>
    ValueTask WaitToReceiveAsync(CancellationToken cancellationToken);

    /// <summary>Receives some bytes into <paramref name="buffer"/>.</summary>
    /// <returns>The number of bytes received, at least 1; 0 only when the peer closed cleanly.</returns>
    ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>Tells the peer we are done (a TCP shutdown or a WebSocket close), without waiting for its reply.</summary>
    ValueTask CloseAsync(CancellationToken cancellationToken);
}

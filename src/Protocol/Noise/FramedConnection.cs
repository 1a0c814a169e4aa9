using System.Buffers;

namespace WaOrleans.Protocol.Noise;

/// <summary>
/// A transport plus the frame codec on both directions, shared by the handshake and the
/// established <see cref="NoiseSocket"/> so bytes buffered during the handshake (a coalesced first
/// transport frame) are not lost. Puts the client's intro in front of its first frame.
/// </summary>
internal sealed class FramedConnection : IAsyncDisposable
{
    /// <summary>How much to ask the transport for per read: a few TCP segments, one typical WebSocket message.</summary>
    private const int ReceiveChunkSize = 64 * 1024;

    private readonly IFrameTransport _transport;
    private bool _introPending;

    public FramedConnection(IFrameTransport transport, NoiseRole role, int maxFrameSize)
    {
        _transport = transport;
        _introPending = role == NoiseRole.Initiator;
        Codec = new FrameCodec(maxFrameSize, expectIntro: role == NoiseRole.Responder);
    }

    public FrameCodec Codec { get; }

    /// <summary>Rents a buffer holding the intro (first frame of a client only) and the length prefix, with room for the body.</summary>
    public OutgoingFrame RentFrame(int bodyLength)
    {
        // Validate before renting so an oversized frame neither allocates nor consumes a nonce.
        Span<byte> prefix = stackalloc byte[NoiseConstants.FrameLengthSize];
        FrameCodec.WriteLength(prefix, bodyLength, Codec.MaxFrameSize);

        var introLength = _introPending ? NoiseConstants.IntroHeaderSize : 0;
        var bodyOffset = introLength + NoiseConstants.FrameLengthSize;
        var buffer = ArrayPool<byte>.Shared.Rent(bodyOffset + bodyLength);
        if (_introPending)
        {
            NoiseConstants.IntroHeader.CopyTo(buffer);
            _introPending = false;
        }

        prefix.CopyTo(buffer.AsSpan(introLength));
        return new OutgoingFrame(buffer, bodyOffset, bodyLength);
    }

    /// <summary>Sends a rented frame as one transport unit and returns its buffer to the pool.</summary>
    public async ValueTask SendAsync(OutgoingFrame frame, CancellationToken cancellationToken)
    {
        try
        {
            await _transport.SendAsync(frame.Wire, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ReturnFrame(frame);
        }
    }

    /// <summary>Returns a rented frame's buffer to the pool without sending it.</summary>
    public void ReturnFrame(OutgoingFrame frame) => ArrayPool<byte>.Shared.Return(frame.Buffer);

    /// <summary>Frames and sends a handshake message.</summary>
    public ValueTask SendFrameAsync(ReadOnlySpan<byte> body, CancellationToken cancellationToken)
    {
        var frame = RentFrame(body.Length);
        body.CopyTo(frame.Body);
        return SendAsync(frame, cancellationToken);
    }

    /// <summary>Receives the next complete frame as a new array, or <see langword="null"/> when the peer closed cleanly.</summary>
    public async ValueTask<byte[]?> ReceiveFrameAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (Codec.TryReadFrame(out byte[]? frame))
            {
                return frame;
            }

            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Reads one chunk from the transport into the codec. Between frames it first waits for data
    /// with no buffer, so an idle connection holds none.
    /// </summary>
    /// <returns><see langword="false"/> when the peer closed cleanly between frames.</returns>
    /// <exception cref="TransportException">The peer closed in the middle of a frame.</exception>
    public async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (Codec.BufferedLength == 0)
        {
            Codec.ReleaseBuffer();
            await _transport.WaitToReceiveAsync(cancellationToken).ConfigureAwait(false);
        }

        var memory = Codec.GetMemory(ReceiveChunkSize);
        var count = await _transport.ReceiveAsync(memory, cancellationToken).ConfigureAwait(false);
        if (count == 0)
        {
            if (Codec.BufferedLength > 0)
            {
                throw new TransportException(TransportErrorKind.Closed,
                    $"the peer closed the connection in the middle of a frame ({Codec.BufferedLength} bytes buffered)");
            }

            return false;
        }

        Codec.Advance(count);
        return true;
    }

    public ValueTask CloseAsync(CancellationToken cancellationToken) => _transport.CloseAsync(cancellationToken);

    public ValueTask DisposeAsync() => _transport.DisposeAsync();
}

/// <summary>A pooled outgoing frame: intro (maybe), length prefix, then <see cref="Body"/> to fill.</summary>
internal readonly record struct OutgoingFrame(byte[] Buffer, int BodyOffset, int BodyLength)
{
    public Span<byte> Body => Buffer.AsSpan(BodyOffset, BodyLength);

    public ReadOnlyMemory<byte> Wire => Buffer.AsMemory(0, BodyOffset + BodyLength);
}

using System.Net.Sockets;

namespace WaOrleans.Protocol.Noise;

/// <summary>Carries a Noise connection over a <see cref="Stream"/>: a TCP <see cref="NetworkStream"/>, a pipe, or an in-memory duplex.</summary>
public sealed class StreamFrameTransport : IFrameTransport
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private int _closed;

    /// <summary>Wraps a readable, writable stream.</summary>
    /// <param name="stream">The duplex stream.</param>
    /// <param name="leaveOpen">Whether closing the transport leaves the stream undisposed.</param>
    public StreamFrameTransport(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead || !stream.CanWrite)
        {
            throw new ArgumentException("the stream must be readable and writable", nameof(stream));
        }

        _stream = stream;
        _leaveOpen = leaveOpen;
    }

    /// <summary>Writes and flushes the bytes.</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        try
        {
            await _stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
        {
            throw Failure("failed to write to the stream", ex);
        }
    }

    /// <summary>
    /// Waits with a zero-byte read, which sockets, TLS and pipe streams complete once data (or the
    /// end) arrives and other streams complete at once.
    /// </summary>
    public async ValueTask WaitToReceiveAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _stream.ReadAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
        {
            throw Failure("failed to read from the stream", ex);
        }
    }

    /// <summary>Reads what the stream has, up to the buffer's size.</summary>
    public async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await _stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
        {
            throw Failure("failed to read from the stream", ex);
        }
    }

    /// <summary>Shuts a socket down so the peer reads end-of-stream, then disposes the stream unless left open.</summary>
    public async ValueTask CloseAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        if (_stream is NetworkStream { Socket: var socket })
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // The peer is already gone; there is nobody left to tell.
            }
        }

        if (!_leaveOpen)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Closes the transport.</summary>
    public ValueTask DisposeAsync() => CloseAsync(CancellationToken.None);

    private TransportException Failure(string step, Exception ex) => Volatile.Read(ref _closed) != 0
        ? new TransportException(TransportErrorKind.Closed, $"{step}: the transport is closed", ex)
        : new TransportException(TransportErrorKind.TransportFailed, step, ex);
}

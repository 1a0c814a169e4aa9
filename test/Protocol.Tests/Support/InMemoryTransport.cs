using System.Threading.Channels;
using WaOrleans.Protocol.Noise;

namespace WaOrleans.Protocol.Tests.Support;

/// <summary>
/// One end of an in-memory duplex: what one end sends, the other receives. A receive returns
/// everything queued (so sends coalesce) up to <c>maxChunk</c> bytes (so frames split).
/// </summary>
public sealed class InMemoryTransport : IFrameTransport
{
    private readonly Channel<byte[]> _incoming;
    private readonly Channel<byte[]> _outgoing;
    private readonly int _maxChunk;
    private byte[] _pending = [];
    private int _pendingOffset;

    private InMemoryTransport(Channel<byte[]> incoming, Channel<byte[]> outgoing, int maxChunk)
    {
        _incoming = incoming;
        _outgoing = outgoing;
        _maxChunk = maxChunk;
    }

    /// <summary>Gets or sets a hook that may change each sent unit (a copy) before the peer sees it.</summary>
    public Action<byte[]>? Tamper { get; set; }

    /// <summary>
    /// Gets or sets a task each send waits for first, honouring its cancellation token, as a socket
    /// write waits on full buffers; null lets sends through at once.
    /// </summary>
    public Task? SendGate { get; set; }

    /// <summary>Gets how many units this end has sent.</summary>
    public int SendCount { get; private set; }

    /// <summary>Creates two connected ends; each receive returns at most <paramref name="maxChunk"/> bytes.</summary>
    public static (InMemoryTransport Client, InMemoryTransport Server) CreatePair(int maxChunk = int.MaxValue)
    {
        var toServer = Channel.CreateUnbounded<byte[]>();
        var toClient = Channel.CreateUnbounded<byte[]>();
        return (new InMemoryTransport(toClient, toServer, maxChunk), new InMemoryTransport(toServer, toClient, maxChunk));
    }

    /// <inheritdoc/>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (SendGate is { } gate)
        {
            await gate.WaitAsync(cancellationToken);
        }

        var copy = data.ToArray();
        Tamper?.Invoke(copy);
        SendCount++;
        if (!_outgoing.Writer.TryWrite(copy))
        {
            throw new TransportException(TransportErrorKind.Closed, "in-memory transport closed");
        }
    }

    /// <inheritdoc/>
    public async ValueTask WaitToReceiveAsync(CancellationToken cancellationToken)
    {
        if (_pendingOffset == _pending.Length)
        {
            await _incoming.Reader.WaitToReadAsync(cancellationToken);
        }
    }

    /// <inheritdoc/>
    public async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var limit = Math.Min(buffer.Length, _maxChunk);
        var written = 0;
        while (written < limit)
        {
            if (_pendingOffset == _pending.Length)
            {
                if (_incoming.Reader.TryRead(out var next))
                {
                    (_pending, _pendingOffset) = (next, 0);
                    continue;
                }

                if (written > 0)
                {
                    break;
                }

                if (!await _incoming.Reader.WaitToReadAsync(cancellationToken))
                {
                    return 0;
                }

                continue;
            }

            var count = Math.Min(limit - written, _pending.Length - _pendingOffset);
            _pending.AsSpan(_pendingOffset, count).CopyTo(buffer.Span[written..]);
            _pendingOffset += count;
            written += count;
        }

        return written;
    }

    /// <inheritdoc/>
    public ValueTask CloseAsync(CancellationToken cancellationToken)
    {
        _outgoing.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => CloseAsync(CancellationToken.None);
}

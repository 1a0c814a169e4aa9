namespace WaOrleans.Protocol.Noise;

/// <summary>
/// An established WhatsApp Noise connection (PROTOCOL.md §1.5): each frame is AES-256-GCM
/// encrypted under its direction's key and counter and carried with a 3-byte length prefix over an
/// <see cref="IFrameTransport"/>. Open one with <see cref="ConnectAsync"/> (client) or
/// <see cref="AcceptAsync"/> (server).
/// </summary>
/// <remarks>
/// Sends may come from any number of tasks; they are written one at a time, in the order they get
/// the lock. Receives are likewise serialised. A failed send or a frame that fails authentication
/// breaks the connection (the counters can no longer agree), so the socket closes itself.
/// Cancelling a receive is safe for TCP streams; a cancelled WebSocket operation aborts the socket.
/// </remarks>
public sealed partial class NoiseSocket : IAsyncDisposable
{
    private readonly FramedConnection _connection;
    private readonly NoiseCipherPair _ciphers;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly SemaphoreSlim _receiveLock = new(1, 1);
    private int _closed;

    private NoiseSocket(FramedConnection connection, NoiseCipherPair ciphers)
    {
        _connection = connection;
        _ciphers = ciphers;
    }

    /// <summary>Gets how many frames have been sent (the send direction's nonce counter).</summary>
    public long FramesSent => _ciphers.Send.Counter;

    /// <summary>Gets how many frames have been received and authenticated (the receive direction's nonce counter).</summary>
    public long FramesReceived => _ciphers.Receive.Counter;

    /// <summary>Gets whether the socket was closed, by <see cref="CloseAsync"/> or after a fatal error.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> as the next frame and sends it. <paramref name="cancellationToken"/>
    /// cancels the wait for the send turn, not the write: closing the socket ends a write that hangs.
    /// </summary>
    /// <exception cref="TransportException">The socket is closed, the frame is too large, or the transport failed.</exception>
    public async Task SendFrameAsync(ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken = default)
    {
        ThrowIfClosed();
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfClosed();
            // A cancellation is honoured up to here: once encrypted, a frame is written whole.
            // Cancelling the write would leave half a frame and a spent nonce, and end the
            // connection for every other caller (a cancelled request to our phone did just that).
            cancellationToken.ThrowIfCancellationRequested();
            var frame = _connection.RentFrame(NoiseCipher.GetCiphertextLength(plaintext.Length));
            try
            {
                _ciphers.Send.Encrypt(plaintext.Span, frame.Body);
            }
            catch
            {
                _connection.ReturnFrame(frame);
                throw;
            }

            try
            {
                await _connection.SendAsync(frame, CancellationToken.None).ConfigureAwait(false);
            }
            catch
            {
                // A frame may be half written and its nonce is spent: the stream cannot be resumed.
                await AbortAsync().ConfigureAwait(false);
                throw;
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Receives, authenticates and decrypts the next frame.</summary>
    /// <returns>The plaintext, or <see langword="null"/> once the peer has closed the connection between frames.</returns>
    /// <exception cref="TransportException">The socket is closed, the peer closed mid-frame, a frame is too
    /// large, a frame failed authentication (<see cref="TransportErrorKind.DecryptFailed"/>), or the transport failed.</exception>
    public async Task<byte[]?> ReceiveFrameAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfClosed();
        await _receiveLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfClosed();
            while (true)
            {
                if (TryDecryptBuffered(out var plaintext))
                {
                    return plaintext;
                }

                if (!await _connection.FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }
            }
        }
        catch (TransportException ex) when (ex.Kind is not TransportErrorKind.Closed)
        {
            await AbortAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            _receiveLock.Release();
        }
    }

    /// <summary>Closes the connection cleanly: the peer sees end-of-stream (TCP) or a normal close (WebSocket).</summary>
    public async ValueTask CloseAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        try
        {
            await _connection.CloseAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Closes the connection and releases the ciphers.</summary>
    public async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);

        // An operation still in flight (a receive on a transport that ignores closing) keeps its
        // cipher; that AES handle is then released by its finalizer instead of here.
        DisposeWhenIdle(_sendLock, _ciphers.Send);
        DisposeWhenIdle(_receiveLock, _ciphers.Receive);
    }

    /// <summary>Describes the socket by its counters and state, never its keys.</summary>
    public override string ToString() =>
        $"NoiseSocket(sent {FramesSent}, received {FramesReceived}{(IsClosed ? ", closed" : string.Empty)})";

    private bool TryDecryptBuffered(out byte[]? plaintext)
    {
        plaintext = null;
        if (!_connection.Codec.TryReadFrame(out ReadOnlySpan<byte> frame))
        {
            return false;
        }

        plaintext = new byte[Math.Max(0, frame.Length - NoiseConstants.TagSize)];
        _ciphers.Receive.Decrypt(frame, plaintext);
        return true;
    }

    private static void DisposeWhenIdle(SemaphoreSlim gate, NoiseCipher cipher)
    {
        if (gate.Wait(0))
        {
            cipher.Dispose();

            // Later callers get the gate, see the socket closed, and throw instead of waiting forever.
            gate.Release();
        }
    }

    private ValueTask AbortAsync() => CloseAsync(CancellationToken.None);

    private void ThrowIfClosed()
    {
        if (IsClosed)
        {
            throw new TransportException(TransportErrorKind.Closed, "the noise socket is closed");
        }
    }
}

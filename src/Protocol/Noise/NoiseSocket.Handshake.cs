namespace WaOrleans.Protocol.Noise;

/// <summary>The handshake drivers: run <see cref="NoiseInitiator"/> or <see cref="NoiseResponder"/> over a transport.</summary>
public sealed partial class NoiseSocket
{
    /// <summary>
    /// Runs the client handshake over <paramref name="transport"/>: intro and client hello, server
    /// hello with certificate verification, client finish. The socket takes ownership of the
    /// transport and closes it if the handshake fails.
    /// </summary>
    /// <exception cref="NoiseHandshakeException">A step failed or timed out; the message names it.</exception>
    /// <exception cref="NoiseCertificateException">The server's certificate chain was rejected.</exception>
    public static async Task<NoiseConnectResult> ConnectAsync(
        IFrameTransport transport, NoiseClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(options);
        var connection = new FramedConnection(transport, NoiseRole.Initiator, options.MaxFrameSize);
        using var timeout = new CancellationTokenSource(options.HandshakeTimeout, options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        NoiseInitiator? initiator = null;
        var step = "send client hello";
        try
        {
            initiator = new NoiseInitiator(options.EphemeralKeyFactory());
            await connection.SendFrameAsync(initiator.WriteClientHello(), linked.Token).ConfigureAwait(false);
            step = "receive server hello";
            var serverHello = await connection.ReceiveFrameAsync(linked.Token).ConfigureAwait(false)
                ?? throw new NoiseHandshakeException("connection closed before the server hello");
            var certificate = initiator.ReadServerHello(serverHello, options.RootKey.Span, options.TimeProvider.GetUtcNow());
            step = "send client finish";
            var clientFinish = initiator.WriteClientFinish(options.StaticKey, options.ClientPayload.Span);
            await connection.SendFrameAsync(clientFinish, linked.Token).ConfigureAwait(false);
            return new NoiseConnectResult(new NoiseSocket(connection, initiator.Split()), certificate);
        }
        catch (Exception ex)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            if (Wrap(ex, step, timeout, cancellationToken) is { } wrapped)
            {
                throw wrapped;
            }

            throw;
        }
        finally
        {
            initiator?.Dispose();
        }
    }

    /// <summary>
    /// Runs the server handshake over <paramref name="transport"/>: intro and client hello, server
    /// hello with our static key and certificate chain, client finish. The socket takes ownership of
    /// the transport and closes it if the handshake fails.
    /// </summary>
    /// <exception cref="NoiseHandshakeException">A step failed or timed out; the message names it.</exception>
    public static async Task<NoiseAcceptResult> AcceptAsync(
        IFrameTransport transport, NoiseServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(options);
        var connection = new FramedConnection(transport, NoiseRole.Responder, options.MaxFrameSize);
        using var timeout = new CancellationTokenSource(options.HandshakeTimeout, options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        NoiseResponder? responder = null;
        var step = "receive client hello";
        try
        {
            responder = new NoiseResponder(options.EphemeralKeyFactory());
            var clientHello = await connection.ReceiveFrameAsync(linked.Token).ConfigureAwait(false)
                ?? throw new NoiseHandshakeException("connection closed before the client hello");
            responder.ReadClientHello(clientHello);
            step = "send server hello";
            var serverHello = responder.WriteServerHello(options.StaticKey, options.CertificateChain.Span);
            await connection.SendFrameAsync(serverHello, linked.Token).ConfigureAwait(false);
            step = "receive client finish";
            var clientFinish = await connection.ReceiveFrameAsync(linked.Token).ConfigureAwait(false)
                ?? throw new NoiseHandshakeException("connection closed before the client finish");
            var finish = responder.ReadClientFinish(clientFinish);
            var socket = new NoiseSocket(connection, responder.Split());
            return new NoiseAcceptResult(socket, finish.StaticKey, finish.Payload);
        }
        catch (Exception ex)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            if (Wrap(ex, step, timeout, cancellationToken) is { } wrapped)
            {
                throw wrapped;
            }

            throw;
        }
        finally
        {
            responder?.Dispose();
        }
    }

    /// <summary>Names the step for timeouts and transport failures; <see langword="null"/> rethrows the original.</summary>
    private static NoiseHandshakeException? Wrap(
        Exception ex, string step, CancellationTokenSource timeout, CancellationToken cancellationToken) => ex switch
    {
        OperationCanceledException when timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested =>
            new NoiseHandshakeException($"handshake timed out during: {step}", ex),
        TransportException => new NoiseHandshakeException($"failed to {step}: {ex.Message}", ex),
        _ => null,
    };
}

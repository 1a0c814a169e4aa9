using System.Net.WebSockets;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Noise;
using WaOrleans.Protocol.Store;

namespace WaOrleans.Protocol.Client;

/// <summary>The connection lifecycle: connect, run the loops, decide what an ending means, back off, reconnect.</summary>
public sealed partial class WaClient
{
    /// <summary>How long closing a socket may take before it is abandoned, so a dead peer cannot stall a reconnect.</summary>
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    private async Task RunAsync(CancellationToken stopping)
    {
        var attempt = 0;
        while (true)
        {
            await SetStateAsync(WaConnectionState.Connecting).ConfigureAwait(false);
            ConnectionOutcome outcome;
            var reachedConnected = false;
            try
            {
                (outcome, reachedConnected) = await ConnectOnceAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                outcome = new ConnectionOutcome(OutcomeKind.Stopped, "stopped");
            }
            catch (Exception ex) when (ex is NoiseException or WebSocketException or IOException or TimeoutException or OperationCanceledException)
            {
                outcome = new ConnectionOutcome(OutcomeKind.Retry, "connect failed: " + ex.Message);
            }

            if (stopping.IsCancellationRequested)
            {
                outcome = new ConnectionOutcome(OutcomeKind.Stopped, "stopped");
            }

            if (reachedConnected)
            {
                attempt = 0;
            }

            LogMessages.Disconnected(_logger, outcome.Reason);
            if (!await ApplyOutcomeAsync(outcome, attempt++, stopping).ConfigureAwait(false))
            {
                return;
            }

            if (outcome.Kind == OutcomeKind.Restart)
            {
                attempt = 0;
            }
        }
    }

    /// <summary>Acts on how a connection ended; returns whether to connect again.</summary>
    private async Task<bool> ApplyOutcomeAsync(ConnectionOutcome outcome, int attempt, CancellationToken stopping)
    {
        switch (outcome.Kind)
        {
            case OutcomeKind.Restart:
                await SetStateAsync(WaConnectionState.Reconnecting).ConfigureAwait(false);
                await RaiseAsync(new DisconnectedEvent(outcome.Reason, WillReconnect: true, TimeSpan.Zero)).ConfigureAwait(false);
                return true;
            case OutcomeKind.Retry:
                var delay = BackoffDelay(attempt);
                LogMessages.Reconnecting(_logger, delay, attempt + 1);
                await SetStateAsync(WaConnectionState.Reconnecting).ConfigureAwait(false);
                await RaiseAsync(new DisconnectedEvent(outcome.Reason, WillReconnect: true, delay)).ConfigureAwait(false);
                try
                {
                    await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
                    return true;
                }
                catch (OperationCanceledException)
                {
                    await StopQuietlyAsync("stopped").ConfigureAwait(false);
                    return false;
                }

            case OutcomeKind.LoggedOut:
                LogMessages.LoggedOut(_logger, outcome.Reason);
                await _store.WipeAsync(CancellationToken.None).ConfigureAwait(false);
                SetCredentials(null);
                _signal = null;
                await SetStateAsync(WaConnectionState.LoggedOut).ConfigureAwait(false);
                await RaiseAsync(new LoggedOutEvent(outcome.Reason, outcome.OnConnect)).ConfigureAwait(false);
                return false;
            case OutcomeKind.Replaced:
                await SetStateAsync(WaConnectionState.Replaced).ConfigureAwait(false);
                await RaiseAsync(new StreamReplacedEvent()).ConfigureAwait(false);
                return false;
            case OutcomeKind.Failed:
                LogMessages.ConnectFailure(_logger, outcome.Code, outcome.Reason);
                await SetStateAsync(WaConnectionState.Failed).ConfigureAwait(false);
                await RaiseAsync(new ConnectFailureEvent(outcome.Code, outcome.Reason, outcome.Expire)).ConfigureAwait(false);
                return false;
            default:
                await StopQuietlyAsync(outcome.Reason).ConfigureAwait(false);
                return false;
        }
    }

    private async Task StopQuietlyAsync(string reason)
    {
        await SetStateAsync(WaConnectionState.Disconnected).ConfigureAwait(false);
        await RaiseAsync(new DisconnectedEvent(reason, WillReconnect: false, RetryIn: null)).ConfigureAwait(false);
    }

    /// <summary>Exponential backoff from the base delay, capped, with ± jitter so sessions spread out.</summary>
    private TimeSpan BackoffDelay(int attempt)
    {
        var exponent = Math.Min(attempt, 30);
        var raw = Math.Min(_options.ReconnectBaseDelay.TotalMilliseconds * Math.Pow(2, exponent), _options.ReconnectMaxDelay.TotalMilliseconds);
        Span<byte> bytes = stackalloc byte[4];
        _options.Random.Fill(bytes);
        var unit = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes) / (double)uint.MaxValue;
        var jitter = 1 + (_options.ReconnectJitter * ((2 * unit) - 1));
        return TimeSpan.FromMilliseconds(Math.Max(0, raw * jitter));
    }

    /// <summary>Opens one connection and runs it until it ends; returns why, and whether login completed.</summary>
    private async Task<(ConnectionOutcome Outcome, bool ReachedConnected)> ConnectOnceAsync(CancellationToken stopping)
    {
        var credentials = await LoadOrCreateCredentialsAsync(stopping).ConfigureAwait(false);
        var signal = await _store.OpenSignalStoreAsync(credentials, stopping).ConfigureAwait(false);
        // Incoming pkmsgs name the signed prekey our bundles carry; the store must be able to load it.
        if (await signal.LoadSignedPreKeyAsync(credentials.SignedPreKey.Id, stopping).ConfigureAwait(false) is null)
        {
            await signal.StoreSignedPreKeyAsync(credentials.SignedPreKey, stopping).ConfigureAwait(false);
        }

        _signal = signal;
        var registering = !credentials.IsPaired;
        var payload = registering
            ? ClientPayloadFactory.Registration(credentials, _options)
            : ClientPayloadFactory.Login(credentials, _options);
        LogMessages.Connecting(_logger, _options.Endpoint, registering ? "registration" : "login");

        var transport = await OpenWebSocketAsync(stopping).ConfigureAwait(false);
        var connected = await NoiseSocket.ConnectAsync(transport, new NoiseClientOptions
        {
            StaticKey = credentials.NoiseKey,
            ClientPayload = payload,
            RootKey = _options.RootKey,
            TimeProvider = _time,
        }, stopping).ConfigureAwait(false);

        var connection = new ClientConnection(connected.Socket, registering, stopping, _time);
        await using (connection.ConfigureAwait(false))
        {
            _connection = connection;
            try
            {
                await RunConnectionAsync(connection).ConfigureAwait(false);
            }
            finally
            {
                _connection = null;
            }

            var outcome = connection.Outcome ?? new ConnectionOutcome(OutcomeKind.Retry, "connection closed");
            return (outcome, connection.ReachedConnected);
        }
    }

    private async Task<DeviceCredentials> LoadOrCreateCredentialsAsync(CancellationToken cancellationToken)
    {
        var credentials = await _store.LoadCredentialsAsync(cancellationToken).ConfigureAwait(false);
        if (credentials is null)
        {
            credentials = DeviceCredentials.Create(_options.Random, _time) with { PushName = _options.PushName };
            await _store.SaveCredentialsAsync(credentials, cancellationToken).ConfigureAwait(false);
        }

        SetCredentials(credentials);
        return credentials;
    }

    private Task<WebSocketFrameTransport> OpenWebSocketAsync(CancellationToken cancellationToken) =>
        WebSocketFrameTransport.ConnectAsync(_options.Endpoint, cancellationToken, _options.Origin);

    /// <summary>Runs the receive, handler and keepalive loops until the socket closes and the queue is drained.</summary>
    private async Task RunConnectionAsync(ClientConnection connection)
    {
        var handling = Task.Run(() => HandleLoopAsync(connection), CancellationToken.None);
        var keepAlive = Task.Run(() => KeepAliveLoopAsync(connection), CancellationToken.None);
        var ending = new ConnectionOutcome(OutcomeKind.Retry, "connection closed");
        try
        {
            ending = await ReceiveLoopAsync(connection).ConfigureAwait(false);
        }
        finally
        {
            connection.Inbox.Writer.TryComplete();
            FailPendingIqs();
            FailPendingAcks();
            await handling.ConfigureAwait(false);
            // Only now: a stream:error or failure queued before the close explains it better.
            connection.TrySetOutcome(ending);
            await connection.CancelAsync().ConfigureAwait(false);
            await keepAlive.ConfigureAwait(false);
            using var closing = new CancellationTokenSource(CloseTimeout, _time);
            await connection.Socket.CloseAsync(closing.Token).ConfigureAwait(false);
        }
    }

    /// <summary>Reads frames until the socket ends; returns how it ended, used when no stanza said why.</summary>
    private async Task<ConnectionOutcome> ReceiveLoopAsync(ClientConnection connection)
    {
        while (true)
        {
            byte[]? frame;
            try
            {
                frame = await connection.Socket.ReceiveFrameAsync(connection.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (connection.Token.IsCancellationRequested)
            {
                return new ConnectionOutcome(OutcomeKind.Stopped, "stopped");
            }
            catch (OperationCanceledException ex)
            {
                // Not ours: the transport gave up (an aborted WebSocket reports it so). Reconnect.
                return new ConnectionOutcome(OutcomeKind.Retry, "connection lost: " + ex.Message);
            }
            catch (TransportException ex)
            {
                return new ConnectionOutcome(OutcomeKind.Retry, "connection lost: " + ex.Message);
            }

            if (frame is null)
            {
                return new ConnectionOutcome(OutcomeKind.Retry, "connection closed by the server");
            }

            connection.Touch(_time);
            Node node;
            try
            {
                node = NodeReader.DecodeFrame(frame);
            }
            catch (NodeDecodeException ex)
            {
                LogMessages.UndecodableFrame(_logger, ex.Message);
                continue;
            }

            // Replies and message acks are resolved here, not in the handler loop, so a handler may await them.
            if (!TryResolveIq(node) && !TryResolveAck(node))
            {
                connection.Inbox.Writer.TryWrite(node);
            }
        }
    }
}

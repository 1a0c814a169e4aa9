using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Noise;
using WaOrleans.Protocol.Proto;

namespace WaOrleans.Simulator;

/// <summary>
/// One client connection after the Noise handshake (PROTOCOL.md §10.2): registration (pairing) or
/// login, then the stanza loop. Anything the client sends that the server cannot read ends this
/// connection only.
/// </summary>
internal sealed partial class SimConnection
{
    private readonly WaSimServer _server;
    private readonly NoiseSocket _socket;
    private readonly ClientPayload _payload;
    private readonly byte[] _noiseKey;
    private readonly CancellationTokenSource _lifetime;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<Node>> _pendingIqs = new(StringComparer.Ordinal);
    private readonly Lock _delayLock = new();
    private long _nextIqId;
    private volatile bool _silent;
    private int _dropOutgoing;
    private int _nackIncoming;
    private long _delayTicks;
    private int _closing;
    private Task _delayedSends = Task.CompletedTask;

    /// <summary>Wraps an accepted Noise socket and the client's decoded payload.</summary>
    public SimConnection(WaSimServer server, NoiseSocket socket, ClientPayload payload, byte[] noiseKey, CancellationToken serverStopping)
    {
        _server = server;
        _socket = socket;
        _payload = payload;
        _noiseKey = noiseKey;
        _lifetime = CancellationTokenSource.CreateLinkedTokenSource(serverStopping);
    }

    /// <summary>Gets the logged-in device, or null while registering.</summary>
    public SimDevice? Device { get; private set; }

    /// <summary>Gets when the device logged in on this connection, or null before (or without) a login.</summary>
    public DateTimeOffset? LoggedInAt { get; private set; }

    /// <summary>Gets whether the server began closing this connection (its socket may still be open).</summary>
    public bool IsClosing => Volatile.Read(ref _closing) != 0;

    /// <summary>Gets the client's Noise static public key.</summary>
    public ReadOnlySpan<byte> NoiseKey => _noiseKey;

    /// <summary>Runs the connection until the client leaves, the server closes it, or the server stops.</summary>
    public async Task RunAsync()
    {
        var cancellationToken = _lifetime.Token;
        try
        {
            if (_payload.DevicePairingData is { } pairingData)
            {
                await StartRegistrationAsync(pairingData, cancellationToken).ConfigureAwait(false);
            }
            else if (!await LoginAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            while (await _socket.ReceiveFrameAsync(cancellationToken).ConfigureAwait(false) is { } frame)
            {
                Node node;
                try
                {
                    node = NodeReader.DecodeFrame(frame);
                }
                catch (NodeDecodeException ex)
                {
                    LogMessages.UndecodableNode(_server.Logger, this, ex.Message);
                    await CloseWithAsync(Stanza.Make("stream:error", NodeContent.FromChildren(Stanza.Make("xml-not-well-formed")))).ConfigureAwait(false);
                    return;
                }

                if (!_silent)
                {
                    await HandleNodeAsync(node, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Closed by the server (a fault, an unlink, a replacement) or the server is stopping.
        }
        catch (Exception ex) when (ex is TransportException or PairingException)
        {
            LogMessages.ConnectionFailed(_server.Logger, this, ex.Message);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException
            or NodeAttributeException or Protocol.Crypto.CryptoException or TimeoutException)
        {
            // A stanza the simulator could not make sense of ends this client's connection only.
            LogMessages.ConnectionFailed(_server.Logger, this, ex.Message);
            await CloseWithAsync(Stanza.Make("stream:error", NodeContent.FromChildren(Stanza.Make("bad-request")))).ConfigureAwait(false);
        }
        finally
        {
            await ShutdownAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Encodes and sends one stanza, unless a fault made the server silent towards this client.</summary>
    public async Task SendNodeAsync(Node node, CancellationToken cancellationToken = default)
    {
        if (_silent || (Volatile.Read(ref _dropOutgoing) > 0 && Interlocked.Decrement(ref _dropOutgoing) >= 0))
        {
            return;
        }

        var frame = NodeWriter.EncodeFrame(node);
        if (Interlocked.Read(ref _delayTicks) is > 0 and var delay)
        {
            // A slow link to this client must not stall the senders whose stanzas it carries:
            // queue the frame behind earlier delayed ones and return.
            var due = _server.Options.TimeProvider.GetUtcNow() + TimeSpan.FromTicks(delay);
            lock (_delayLock)
            {
                _delayedSends = SendWhenDueAsync(_delayedSends, frame, due);
            }

            return;
        }

        await _socket.SendFrameAsync(frame, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a server iq (its <c>id</c> is assigned here) and waits for the client's result or error.</summary>
    /// <exception cref="TimeoutException">The client did not answer in time.</exception>
    public async Task<Node> SendIqAsync(Node iq, CancellationToken cancellationToken = default)
    {
        var id = "sim-" + Stanza.Number(Interlocked.Increment(ref _nextIqId));
        var reply = new TaskCompletionSource<Node>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingIqs[id] = reply;
        try
        {
            await SendNodeAsync(iq with { Attrs = new Dictionary<string, AttrValue>(iq.Attrs) { ["id"] = id } }, cancellationToken).ConfigureAwait(false);
            return await reply.Task.WaitAsync(_server.Options.ServerIqTimeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pendingIqs.TryRemove(id, out _);
        }
    }

    /// <summary>Sends a final stanza (a stream error, a failure) and closes the connection.</summary>
    public async Task CloseWithAsync(Node? last)
    {
        Volatile.Write(ref _closing, 1);
        try
        {
            if (last is not null)
            {
                await SendNodeAsync(last).ConfigureAwait(false);
                // Baileys decodes frames asynchronously: closing at once can beat the stanza to its
                // handler, turning a 515 or 401 into a plain 428. The client usually closes first.
                await Task.Delay(SimConstants.FinalStanzaGrace, _server.Options.TimeProvider, _lifetime.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is TransportException or OperationCanceledException or ObjectDisposedException)
        {
            // The client is already gone; closing is all that is left.
        }

        await CloseAsync().ConfigureAwait(false);
    }

    /// <summary>Closes the connection without a goodbye stanza.</summary>
    public async Task CloseAsync()
    {
        Volatile.Write(ref _closing, 1);
        try
        {
            await _socket.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TransportException or IOException or System.Net.WebSockets.WebSocketException)
        {
            // A half-dead socket may fail its close handshake; it is closed either way.
        }

        try
        {
            await _lifetime.CancelAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The connection already ended by itself.
        }
    }

    /// <summary>Stops sending anything to the client, as a server that went silent (keepalive loss on the client).</summary>
    public void GoSilent() => _silent = true;

    /// <summary>Drops the next <paramref name="count"/> stanzas the server sends to this client, as a lossy link would.</summary>
    public void DropOutgoing(int count) => Interlocked.Exchange(ref _dropOutgoing, count);

    /// <summary>Delays every stanza the server sends to this client by <paramref name="delay"/> (zero stops delaying).</summary>
    public void DelayOutgoing(TimeSpan delay) => Interlocked.Exchange(ref _delayTicks, delay.Ticks);

    /// <summary>Refuses the client's next <paramref name="count"/> messages with a 479 nack instead of routing them.</summary>
    public void NackIncoming(int count) => Interlocked.Exchange(ref _nackIncoming, count);

    /// <summary>Ends every fault on this connection: speaks again, no drops, no delay, no nacks.</summary>
    public void ClearFaults()
    {
        _silent = false;
        DropOutgoing(0);
        DelayOutgoing(TimeSpan.Zero);
        NackIncoming(0);
    }

    /// <summary>Describes the connection by its device, never by keys.</summary>
    public override string ToString() => Device is { } device ? $"SimConnection({device.Jid})" : "SimConnection(registering)";

    private Task HandleNodeAsync(Node node, CancellationToken cancellationToken) => node.Tag switch
    {
        "iq" => HandleIqAsync(node, cancellationToken),
        "message" when Device is not null && TakeNack() => NackAsync(node, cancellationToken),
        "message" when Device is not null => _server.RouteMessageAsync(Device, node),
        "receipt" when Device is not null => _server.RouteReceiptAsync(Device, node),
        "presence" when Device is not null => _server.HandlePresenceAsync(Device, node),
        "chatstate" when Device is not null => _server.HandleChatStateAsync(Device, node),
        "ack" when Device is not null && node.GetAttr("class") == "message" && node.GetAttr("id") is { } id => Acknowledge(Device, id),
        // Telemetry (unified_session) and other acks need no answer from the simulator.
        _ => Task.CompletedTask,
    };

    private async Task SendWhenDueAsync(Task previous, byte[] frame, DateTimeOffset due)
    {
        await previous.ConfigureAwait(false);
        var wait = due - _server.Options.TimeProvider.GetUtcNow();
        try
        {
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _server.Options.TimeProvider, _lifetime.Token).ConfigureAwait(false);
            }

            await _socket.SendFrameAsync(frame).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TransportException or OperationCanceledException or ObjectDisposedException)
        {
            // The client left while its stanzas were held back; they are lost as on a real link.
        }
    }

    private bool TakeNack() => Volatile.Read(ref _nackIncoming) > 0 && Interlocked.Decrement(ref _nackIncoming) >= 0;

    private Task NackAsync(Node message, CancellationToken cancellationToken) =>
        SendNodeAsync(Stanza.Make("ack", default, ("class", "message"), ("id", message.GetAttr("id") ?? ""),
            ("from", message.Attrs.TryGetValue("to", out var to) ? to : Jid.ServerJid), ("error", SimConstants.SmaxInvalid)), cancellationToken);

    private Task Acknowledge(SimDevice device, string id)
    {
        _server.Acknowledge(device, id);
        return Task.CompletedTask;
    }

    private async Task ShutdownAsync()
    {
        _server.OnDisconnected(this);
        foreach (var pending in _pendingIqs.Values)
        {
            pending.TrySetException(new TransportException(TransportErrorKind.Closed, "the client disconnected"));
        }

        await _socket.DisposeAsync().ConfigureAwait(false);
        _lifetime.Dispose();
    }
}

using System.Threading.Channels;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Noise;

namespace WaOrleans.Protocol.Client;

/// <summary>What ended a connection, which decides what the client does next.</summary>
internal enum OutcomeKind
{
    /// <summary>A drop or a transient server error: reconnect after a backoff.</summary>
    Retry,

    /// <summary>The 515 restart after pairing: reconnect at once and log in.</summary>
    Restart,

    /// <summary>Logged out (401/403/419/406, device_removed): wipe credentials and stop.</summary>
    LoggedOut,

    /// <summary>Replaced by another connection (440): stop without reconnecting.</summary>
    Replaced,

    /// <summary>Refused for good (405 outdated, 402 banned…): stop.</summary>
    Failed,

    /// <summary>Stopped by the owner, or QR refs ran out: stop quietly.</summary>
    Stopped,
}

/// <summary>Why a connection ended.</summary>
/// <param name="Kind">What to do next.</param>
/// <param name="Reason">A readable reason for events and logs.</param>
/// <param name="Code">The server's code, when it sent one.</param>
/// <param name="Expire">For a temporary ban, when it ends.</param>
/// <param name="OnConnect">Whether the server refused the login (<c>failure</c>) rather than ending a live stream.</param>
internal sealed record ConnectionOutcome(OutcomeKind Kind, string Reason, int Code = 0, DateTimeOffset? Expire = null, bool OnConnect = false);

/// <summary>
/// One live Noise connection and the loops around it: the receive loop (decode, resolve iq
/// replies, queue the rest), the handler loop (one stanza at a time, in order) and keepalive.
/// The first outcome set wins; closing the socket ends the loops.
/// </summary>
internal sealed class ClientConnection : IAsyncDisposable
{
    private readonly CancellationTokenSource _lifetime;
    private ConnectionOutcome? _outcome;
    private long _lastReceivedTicks;

    public ClientConnection(NoiseSocket socket, bool registering, CancellationToken clientStopping, TimeProvider time)
    {
        Socket = socket;
        Registering = registering;
        _lifetime = CancellationTokenSource.CreateLinkedTokenSource(clientStopping);
        Touch(time);
    }

    /// <summary>Gets the Noise socket; sends are serialized by it.</summary>
    public NoiseSocket Socket { get; }

    /// <summary>Gets whether this connection registers a new device (pairing) rather than logging in.</summary>
    public bool Registering { get; }

    /// <summary>Gets the stanzas waiting for the handler loop, in arrival order.</summary>
    public Channel<Node> Inbox { get; } = Channel.CreateUnbounded<Node>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    /// <summary>Gets a token cancelled when this connection ends.</summary>
    public CancellationToken Token => _lifetime.Token;

    /// <summary>Gets the outcome set so far, or null.</summary>
    public ConnectionOutcome? Outcome => Volatile.Read(ref _outcome);

    /// <summary>Gets or sets whether login completed on this connection (resets the reconnect backoff).</summary>
    public bool ReachedConnected { get; set; }

    /// <summary>Gets or sets the QR rotation's cancellation, while QR codes are shown.</summary>
    public CancellationTokenSource? QrRotation { get; set; }

    /// <summary>Gets or sets the pending pairing-code request, while one is waiting for the phone.</summary>
    public PendingPairingCode? PairingCode { get; set; }

    /// <summary>Records that a frame arrived now (for dead-connection detection).</summary>
    public void Touch(TimeProvider time) => Interlocked.Exchange(ref _lastReceivedTicks, time.GetUtcNow().UtcTicks);

    /// <summary>Gets how long no frame has arrived.</summary>
    public TimeSpan SilenceSince(TimeProvider time) => TimeSpan.FromTicks(time.GetUtcNow().UtcTicks - Interlocked.Read(ref _lastReceivedTicks));

    /// <summary>Sets the outcome unless one is already set; returns whether this one won.</summary>
    public bool TrySetOutcome(ConnectionOutcome outcome) => Interlocked.CompareExchange(ref _outcome, outcome, null) is null;

    /// <summary>Sets the outcome (if first) and closes the socket, which ends the receive loop.</summary>
    public async Task EndAsync(ConnectionOutcome outcome)
    {
        TrySetOutcome(outcome);
        await Socket.CloseAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Cancels the connection's background work (keepalive, QR rotation).</summary>
    public Task CancelAsync() => _lifetime.CancelAsync();

    /// <summary>Closes the socket and releases the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync().ConfigureAwait(false);
        QrRotation?.Dispose();
        await Socket.DisposeAsync().ConfigureAwait(false);
        _lifetime.Dispose();
    }
}

/// <summary>A pairing code the server accepted, waiting for the phone's primary_hello.</summary>
/// <param name="Code">The 8 characters, without the dash.</param>
/// <param name="Ref">The server's pairing ref.</param>
/// <param name="Phone">The phone-number JID being linked.</param>
internal sealed record PendingPairingCode(string Code, byte[] Ref, Jid Phone)
{
    /// <summary>Describes the request without the code.</summary>
    public override string ToString() => $"PendingPairingCode({Phone})";
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Signal.Stores;
using WaOrleans.Protocol.Store;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// One WhatsApp Web multi-device session: connects, pairs (QR or pairing code), logs in, keeps the
/// connection alive and reconnects, and reports everything as <see cref="WaEvent"/>s. It knows
/// nothing of hosting: it takes a store, options and a clock.
/// </summary>
/// <remarks>
/// Start it with <see cref="StartAsync"/>; it then runs in the background until <see cref="StopAsync"/>
/// or a terminal state (<see cref="WaConnectionState.LoggedOut"/>, <see cref="WaConnectionState.Replaced"/>,
/// <see cref="WaConnectionState.Failed"/>). Event handlers run one at a time in event order; a
/// handler must not await <see cref="StopAsync"/> or <see cref="DisposeAsync"/> (they wait for the
/// handler to return).
/// </remarks>
public sealed partial class WaClient : IAsyncDisposable
{
    private readonly IDeviceStore _store;
    private readonly WaClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<Node>> _pendingIqs = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _eventGate = new(1, 1);
    private readonly SemaphoreSlim _lifecycleGate = new(1, 1);
    private readonly string _idPrefix;
    private ImmutableHandlers _eventHandlers = ImmutableHandlers.Empty;
    private WaConnectionState _state = WaConnectionState.Disconnected;
    private CancellationTokenSource? _run;
    private Task? _runTask;
    // Read by callers on other threads (QueryAsync, RequestPairingCodeAsync) while the run loop swaps it.
    private volatile ClientConnection? _connection;
    private DeviceCredentials? _credentials;
    private volatile ISignalProtocolStore? _signal;
    private long _nextId;
    private int _disposed;

    /// <summary>Creates a client for the device kept in <paramref name="store"/> (a new device if the store is empty).</summary>
    public WaClient(IDeviceStore store, WaClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _options = options ?? new WaClientOptions();
        _logger = _options.Logger;
        _time = _options.TimeProvider;
        Span<byte> prefix = stackalloc byte[4];
        _options.Random.Fill(prefix);
        _idPrefix = Convert.ToHexStringLower(prefix) + "-";
    }

    /// <summary>Gets the current connection state.</summary>
    public WaConnectionState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    /// <summary>Gets the credentials in use, or null before the first connection and after a logout.</summary>
    public DeviceCredentials? Credentials
    {
        get
        {
            lock (_lock)
            {
                return _credentials;
            }
        }
    }

    /// <summary>
    /// Adds a handler for every event this client raises; dispose the result to remove it. Handlers
    /// run one at a time; an exception thrown by one is logged and the next still runs.
    /// </summary>
    public IDisposable AddEventHandler(Func<WaEvent, CancellationToken, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_lock)
        {
            _eventHandlers = _eventHandlers.Add(handler);
        }

        return new HandlerRegistration(this, handler);
    }

    /// <summary>
    /// Starts connecting in the background and returns: an unpaired device shows QR codes
    /// (<see cref="QrCodeEvent"/>), a paired one logs in (<see cref="ConnectedEvent"/>). Starting a
    /// running client does nothing; starting after a terminal state starts over (after a logout, as
    /// a new device).
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycleGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_runTask is { IsCompleted: false })
            {
                return;
            }

            _run?.Dispose();
            _run = new CancellationTokenSource();
            var token = _run.Token;
            _runTask = Task.Run(() => RunAsync(token), CancellationToken.None);
        }
        finally
        {
            _lifecycleGate.Release();
        }
    }

    /// <summary>Closes the connection, stops reconnecting, and returns once the client is idle.</summary>
    public async Task StopAsync()
    {
        await _lifecycleGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_run is null || _runTask is null)
            {
                return;
            }

            await _run.CancelAsync().ConfigureAwait(false);
            await _runTask.ConfigureAwait(false);
        }
        finally
        {
            _lifecycleGate.Release();
        }
    }

    /// <summary>Stops the client and releases its resources; disposing it again does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopAsync().ConfigureAwait(false);
        _run?.Dispose();
        _eventGate.Dispose();
        _lifecycleGate.Dispose();
        _signalGate.Dispose();
        DisposeMedia();
    }

    /// <summary>Describes the client by its state and JID; never prints credentials.</summary>
    public override string ToString() => $"WaClient({State}, {Credentials?.Me?.ToString() ?? "unpaired"})";

    /// <summary>Generates a unique stanza id for this client (iq ids, and message ids later).</summary>
    internal string NextId() => _idPrefix + Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Moves to <paramref name="next"/> and raises <see cref="StateChangedEvent"/> if that is a change.</summary>
    private async Task SetStateAsync(WaConnectionState next)
    {
        WaConnectionState previous;
        lock (_lock)
        {
            previous = _state;
            _state = next;
        }

        if (previous != next)
        {
            LogMessages.StateChanged(_logger, previous, next);
            await RaiseAsync(new StateChangedEvent(previous, next)).ConfigureAwait(false);
        }
    }

    /// <summary>Runs every handler on the event, one at a time; handler failures are logged, never thrown.</summary>
    private Task RaiseAsync(WaEvent evt) => RaiseCheckedAsync(evt);

    /// <summary>Runs every handler on the event, one at a time; returns false if any threw (logged, never thrown).</summary>
    private async Task<bool> RaiseCheckedAsync(WaEvent evt)
    {
        ImmutableHandlers handlers;
        lock (_lock)
        {
            handlers = _eventHandlers;
        }

        var succeeded = true;
        await _eventGate.WaitAsync().ConfigureAwait(false);
        try
        {
            foreach (var handler in handlers.Items)
            {
                try
                {
                    await handler(evt, CancellationToken.None).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // A consumer's bug must never kill the socket loop (STYLE.md 11).
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    LogMessages.EventHandlerFailed(_logger, ex, evt.GetType().Name);
                    succeeded = false;
                }
            }
        }
        finally
        {
            _eventGate.Release();
        }

        return succeeded;
    }

    private void SetCredentials(DeviceCredentials? credentials)
    {
        lock (_lock)
        {
            _credentials = credentials;
        }
    }

    /// <summary>A copy-on-write handler list, so raising never holds the lock while handlers run.</summary>
    private sealed class ImmutableHandlers(Func<WaEvent, CancellationToken, ValueTask>[] items)
    {
        public static ImmutableHandlers Empty { get; } = new([]);

        public Func<WaEvent, CancellationToken, ValueTask>[] Items { get; } = items;

        public ImmutableHandlers Add(Func<WaEvent, CancellationToken, ValueTask> handler) => new([.. Items, handler]);

        public ImmutableHandlers Remove(Func<WaEvent, CancellationToken, ValueTask> handler) => new([.. Items.Where(h => h != handler)]);
    }

    private sealed class HandlerRegistration(WaClient client, Func<WaEvent, CancellationToken, ValueTask> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (client._lock)
            {
                client._eventHandlers = client._eventHandlers.Remove(handler);
            }
        }
    }
}

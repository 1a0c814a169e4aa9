using System.Threading.Channels;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Events;

namespace WaOrleans.Client.Tests.Support;

/// <summary>Records a client's events in order and lets a test wait for the next one that matches.</summary>
public sealed class EventRecorder : IDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);
    private readonly Channel<WaEvent> _events = Channel.CreateUnbounded<WaEvent>();
    private readonly List<WaEvent> _all = [];
    private readonly IDisposable _registration;

    /// <summary>Starts recording the client's events.</summary>
    public EventRecorder(WaClient client)
    {
        _registration = client.AddEventHandler((evt, _) =>
        {
            lock (_all)
            {
                _all.Add(evt);
            }

            _events.Writer.TryWrite(evt);
            return ValueTask.CompletedTask;
        });
    }

    /// <summary>Gets a snapshot of every event so far.</summary>
    public IReadOnlyList<WaEvent> All
    {
        get
        {
            lock (_all)
            {
                return [.. _all];
            }
        }
    }

    /// <summary>Waits for the next event of type <typeparamref name="T"/> matching the predicate, skipping others.</summary>
    public async Task<T> NextAsync<T>(Func<T, bool>? predicate = null, TimeSpan? timeout = null)
        where T : WaEvent
    {
        using var cancel = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            while (true)
            {
                var evt = await _events.Reader.ReadAsync(cancel.Token);
                if (evt is T match && (predicate is null || predicate(match)))
                {
                    return match;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no {typeof(T).Name} came; events so far: {string.Join(", ", All)}");
        }
    }

    /// <summary>Waits until the client enters <paramref name="state"/>.</summary>
    public Task<StateChangedEvent> StateAsync(WaConnectionState state, TimeSpan? timeout = null) =>
        NextAsync<StateChangedEvent>(e => e.Current == state, timeout);

    /// <summary>Stops recording.</summary>
    public void Dispose() => _registration.Dispose();
}

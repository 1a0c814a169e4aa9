using Orleans.Concurrency;

namespace WaOrleans.Grains.Events;

/// <summary>Reads a session's events in order, for the server-sent event stream (any silo, from the database). Use key 0.</summary>
[Alias("WaOrleans.IEventFeedGrain")]
public interface IEventFeedGrain : IGrainWithIntegerKey
{
    /// <summary>Gets up to <paramref name="max"/> events of a session after <paramref name="afterSequence"/>, oldest first.</summary>
    [Alias("ReadAsync"), ReadOnly]
    Task<IReadOnlyList<StoredEvent>> ReadAsync(string sessionId, long afterSequence, int max);

    /// <summary>Gets the sequence of the newest event in the table (a stream starts after it).</summary>
    [Alias("GetLatestSequenceAsync"), ReadOnly]
    Task<long> GetLatestSequenceAsync();
}

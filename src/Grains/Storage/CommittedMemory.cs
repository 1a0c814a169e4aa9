namespace WaOrleans.Grains.Storage;

/// <summary>
/// Rows of one session's store as that store last read or committed them, by key (a null value:
/// known to have no row), so hot reads are answered without the database: the Signal session
/// records a send and a received message read, the LID mappings every message names.
/// </summary>
/// <remarks>
/// Sound because the session's owner keeps one device store (<see cref="DeviceStorage.ForSession"/>)
/// and every write of these rows goes through it. A write forgets its keys before it starts and
/// remembers the new values only once its own transaction committed, so a failed or rolled-back
/// write, or one inside a unit of work someone else commits, leaves the database to answer; a read
/// remembers what it found only if no write began meanwhile. Another activation of the session
/// (which fencing stops from writing) keeps a memory of its own. Values are shared, so they must
/// not be changed (Signal records are kept serialized).
/// </remarks>
/// <param name="capacity">How many keys are remembered before the memory starts over.</param>
/// <param name="linked">For rows whose value is itself a key (a LID mapping is kept both ways): the
/// key a value names, forgotten with the row that holds it.</param>
internal sealed class CommittedMemory<TValue>(int capacity, Func<TValue, string>? linked = null)
    where TValue : class
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, TValue?> _rows = new(StringComparer.Ordinal);
    private long _writes;

    /// <summary>Gets the remembered value of <paramref name="key"/> (null: known to have no row).</summary>
    public bool TryGet(string key, out TValue? value)
    {
        lock (_gate)
        {
            return _rows.TryGetValue(key, out value);
        }
    }

    /// <summary>Marks the start of a database read, for <see cref="RememberRead"/>.</summary>
    public long BeginRead()
    {
        lock (_gate)
        {
            return _writes;
        }
    }

    /// <summary>Remembers what a read begun at <paramref name="readStarted"/> found, unless a write began since.</summary>
    public void RememberRead(long readStarted, IEnumerable<(string Key, TValue? Value)> rows)
    {
        lock (_gate)
        {
            if (readStarted == _writes)
            {
                Set(rows);
            }
        }
    }

    /// <summary>Forgets keys a write is about to change (and the keys their values name): until it commits, the database answers.</summary>
    public void Forget(IEnumerable<string> keys)
    {
        lock (_gate)
        {
            _writes++;
            foreach (var key in keys)
            {
                Remove(key);
            }
        }
    }

    /// <summary>Remembers rows a write of this store has committed (null: deleted), replacing what their keys held.</summary>
    public void Remember(IEnumerable<(string Key, TValue? Value)> committed)
    {
        lock (_gate)
        {
            _writes++;
            var rows = committed.ToList();
            rows.ForEach(row => Remove(row.Key));
            Set(rows);
        }
    }

    /// <summary>Forgets everything (the session's rows were deleted).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _writes++;
            _rows.Clear();
        }
    }

    /// <summary>Sets rows, starting over when full (call under the gate).</summary>
    private void Set(IEnumerable<(string Key, TValue? Value)> rows)
    {
        foreach (var (key, value) in rows)
        {
            if (_rows.Count >= capacity)
            {
                _rows.Clear();
            }

            _rows[key] = value;
        }
    }

    /// <summary>Removes a row and the row its value names (call under the gate).</summary>
    private void Remove(string key)
    {
        if (_rows.Remove(key, out var value) && value is not null && linked is not null)
        {
            _rows.Remove(linked(value));
        }
    }
}

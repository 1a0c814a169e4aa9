namespace WaOrleans.Grains.Storage;

/// <summary>
/// The Signal session records of one session's store as last read or committed, serialized (so
/// no caller shares a mutable record), or null for "no session". A send read each recipient
/// device's record before encrypting, and a received message its sender's: two and one database
/// reads that this answers from memory (gateway benchmark: about 7% of a send's CPU).
/// </summary>
/// <remarks>
/// Sound because the session's owner keeps one device store (<see cref="DeviceStorage.ForSession"/>)
/// and every write of the session's records goes through it: a write forgets its addresses before
/// it starts and remembers the new records only once its own transaction committed, so a failed or
/// rolled-back write, or one inside a unit of work someone else commits, leaves the database to
/// answer; a read remembers what it found only if no write began meanwhile. Another activation of
/// the session (which fencing stops from writing) keeps a memory of its own.
/// </remarks>
internal sealed class SignalSessionMemory
{
    /// <summary>
    /// How many addresses are remembered before the memory starts over. A record is a few KB with its
    /// archived states, and a node holds thousands of sessions: enough for the contacts a session
    /// is talking with, not a copy of its table. A broadcast to more reads each record once anyway.
    /// </summary>
    internal const int Capacity = 256;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, byte[]?> _records = new(StringComparer.Ordinal);
    private long _writes;

    /// <summary>Gets the remembered record of <paramref name="address"/> (null bytes: known to have none).</summary>
    public bool TryGet(string address, out byte[]? record)
    {
        lock (_gate)
        {
            return _records.TryGetValue(address, out record);
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
    public void RememberRead(string address, byte[]? record, long readStarted)
    {
        lock (_gate)
        {
            if (readStarted == _writes)
            {
                MakeRoom();
                _records[address] = record;
            }
        }
    }

    /// <summary>Forgets addresses a write is about to change: until it commits, the database answers.</summary>
    public void Forget(IEnumerable<string> addresses)
    {
        lock (_gate)
        {
            _writes++;
            foreach (var address in addresses)
            {
                _records.Remove(address);
            }
        }
    }

    /// <summary>Remembers records a write of this store has committed (null: deleted).</summary>
    public void Remember(IEnumerable<(string Address, byte[]? Record)> committed)
    {
        lock (_gate)
        {
            _writes++;
            foreach (var (address, record) in committed)
            {
                MakeRoom();
                _records[address] = record;
            }
        }
    }

    /// <summary>Forgets everything (the session's rows were deleted).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _writes++;
            _records.Clear();
        }
    }

    /// <summary>Starts over when full (call under the gate).</summary>
    private void MakeRoom()
    {
        if (_records.Count >= Capacity)
        {
            _records.Clear();
        }
    }
}

// All sessions with one peer device: the current one and up to ArchivedStatesMaxLength archived
// ones that may still decrypt late messages. The record only keeps and orders sessions; it never
// steps a ratchet, parses a message or touches a store.
using WaOrleans.Protocol.Signal.Storage;

namespace WaOrleans.Protocol.Signal.State;

/// <summary>
/// The sessions with one peer device (one <see cref="SignalAddress"/>): the current session and
/// archived ones. Stores persist it as opaque bytes (<see cref="Serialize"/>).
/// </summary>
/// <remarks><see cref="ToString"/> prints counts only, never keys.</remarks>
public sealed class SessionRecord
{
    private readonly List<SessionState> _previous;

    /// <summary>Creates an empty record (no session yet).</summary>
    public SessionRecord()
        : this(null, [])
    {
    }

    private SessionRecord(SessionState? current, List<SessionState> previous)
    {
        Current = current;
        _previous = previous;
    }

    /// <summary>Gets whether there is a current session to encrypt with.</summary>
    public bool HasCurrentSession => Current is not null;

    /// <summary>Gets how many archived sessions are kept for late messages.</summary>
    public int ArchivedSessionCount => _previous.Count;

    /// <summary>Gets the peer's registration id from the current session, if any.</summary>
    public RegistrationId? RemoteRegistrationId => Current?.RemoteRegistrationId;

    /// <summary>Gets whether the current session still sends PreKeyWhisperMessages (the peer has not answered yet).</summary>
    public bool HasUnacknowledgedPreKey => Current?.HasPendingPreKey == true;

    /// <summary>Gets the current session.</summary>
    internal SessionState? Current { get; private set; }

    /// <summary>Gets the archived sessions, most recently archived first.</summary>
    internal IReadOnlyList<SessionState> Previous => _previous;

    /// <summary>Reads a record written by <see cref="Serialize"/>.</summary>
    /// <exception cref="SignalProtocolException">The bytes are not a session record (<see cref="SignalErrorKind.CorruptRecord"/>).</exception>
    public static SessionRecord Deserialize(ReadOnlySpan<byte> bytes)
    {
        var s = RecordParser.Parse(SessionRecordStructure.Parser, bytes, "session record");
        SessionState? current = null;
        if (s.Current is not null)
        {
            current = new SessionState(s.Current);
            current.Validate();
        }

        var previous = new List<SessionState>(s.Previous.Count);
        foreach (var p in s.Previous)
        {
            var state = new SessionState(p);
            state.Validate();
            previous.Add(state);
        }

        return new SessionRecord(current, previous);
    }

    /// <summary>Serializes the record to the stable storage format.</summary>
    public byte[] Serialize()
    {
        var s = new SessionRecordStructure { Current = Current?.Structure };
        foreach (var p in _previous)
        {
            s.Previous.Add(p.Structure);
        }

        return RecordParser.ToBytes(s);
    }

    /// <summary>
    /// Archives the current session, so the next message needs a new one (for example after a
    /// retry receipt); it still decrypts late messages.
    /// </summary>
    public void ArchiveCurrentSession()
    {
        if (Current is not null)
        {
            Archive(Current);
            Current = null;
        }
    }

    /// <summary>Describes the record by its counts.</summary>
    public override string ToString() =>
        $"SessionRecord(current {(Current is null ? "none" : Current.ToString())}, archived {_previous.Count})";

    /// <summary>Makes <paramref name="state"/> current, archiving the session it replaces.</summary>
    internal void PromoteState(SessionState state)
    {
        if (Current is not null)
        {
            Archive(Current);
        }

        Current = state;
    }

    /// <summary>Finds the current or archived session built from this X3DH base key.</summary>
    internal SessionState? FindByBaseKey(ReadOnlySpan<byte> aliceBaseKey)
    {
        if (Current is not null && Current.AliceBaseKey.SequenceEqual(aliceBaseKey))
        {
            return Current;
        }

        foreach (var p in _previous)
        {
            if (p.AliceBaseKey.SequenceEqual(aliceBaseKey))
            {
                return p;
            }
        }

        return null;
    }

    private void Archive(SessionState state)
    {
        _previous.Insert(0, state);
        if (_previous.Count > SignalConstants.ArchivedStatesMaxLength)
        {
            _previous.RemoveAt(_previous.Count - 1);
        }
    }
}

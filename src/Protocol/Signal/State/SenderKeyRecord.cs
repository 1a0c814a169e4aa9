// Sender-key state of one (group, sender device) (PROTOCOL.md §5.6): the sender's chains by key id.
// It keeps and steps sender chains but never parses or builds wire messages, never encrypts, and
// never touches a store: GroupCipher does those.
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Signal.Ratchet;
using WaOrleans.Protocol.Signal.Storage;

namespace WaOrleans.Protocol.Signal.State;

/// <summary>
/// The sender-key chains of one sender device in one group (<see cref="SenderKeyName"/>), newest
/// first, at most <see cref="SignalConstants.MaxSenderKeyStates"/>. Stores persist it as opaque bytes.
/// </summary>
/// <remarks><see cref="ToString"/> prints ids and iterations only.</remarks>
public sealed class SenderKeyRecord
{
    private readonly List<SenderKeyState> _states;

    /// <summary>Creates an empty record.</summary>
    public SenderKeyRecord()
        : this([])
    {
    }

    private SenderKeyRecord(List<SenderKeyState> states) => _states = states;

    /// <summary>Gets whether the record holds no sender key yet.</summary>
    public bool IsEmpty => _states.Count == 0;

    /// <summary>Gets the newest state (the one a sender encrypts with).</summary>
    internal SenderKeyState? Newest => _states.Count > 0 ? _states[0] : null;

    /// <summary>Reads a record written by <see cref="Serialize"/>.</summary>
    /// <exception cref="SignalProtocolException">The bytes are not a sender-key record (<see cref="SignalErrorKind.CorruptRecord"/>).</exception>
    public static SenderKeyRecord Deserialize(ReadOnlySpan<byte> bytes)
    {
        var s = RecordParser.Parse(SenderKeyRecordStructure.Parser, bytes, "sender key record");
        var states = new List<SenderKeyState>(s.States.Count);
        foreach (var state in s.States)
        {
            var wrapped = new SenderKeyState(state);
            wrapped.Validate();
            states.Add(wrapped);
        }

        return new SenderKeyRecord(states);
    }

    /// <summary>Serializes the record to the stable storage format.</summary>
    public byte[] Serialize()
    {
        var s = new SenderKeyRecordStructure();
        foreach (var state in _states)
        {
            s.States.Add(state.Structure);
        }

        return RecordParser.ToBytes(s);
    }

    /// <summary>Describes the record by its key ids and iterations.</summary>
    public override string ToString() => $"SenderKeyRecord({string.Join(", ", _states)})";

    /// <summary>Finds the state of a key id.</summary>
    internal SenderKeyState? Find(SenderKeyId id) => _states.Find(s => s.KeyId == id);

    /// <summary>
    /// Adds a peer's distributed chain. A distribution already known (same id and signing key) is
    /// kept as it is, so a repeated distribution message cannot rewind the chain and re-open used keys.
    /// </summary>
    internal void AddState(SenderKeyId id, SenderChainKey chain, byte[] signingPublic)
    {
        var existing = _states.Find(s => s.KeyId == id && s.SigningPublic.SequenceEqual(signingPublic));
        _states.RemoveAll(s => s.KeyId == id);
        Push(existing ?? SenderKeyState.Create(id, chain, signingPublic, null));
    }

    /// <summary>Replaces every state with our own new sending chain.</summary>
    internal void SetSendingState(SenderKeyId id, SenderChainKey chain, KeyPair signingKey)
    {
        _states.Clear();
        _states.Add(SenderKeyState.Create(id, chain, signingKey.PublicKeyBytes(), signingKey.PrivateKeyBytes()));
    }

    private void Push(SenderKeyState state)
    {
        _states.Insert(0, state);
        if (_states.Count > SignalConstants.MaxSenderKeyStates)
        {
            _states.RemoveAt(_states.Count - 1);
        }
    }
}

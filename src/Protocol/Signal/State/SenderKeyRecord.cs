// Sender-key state of one (group, sender device) (PROTOCOL.md §5.6): the sender's chains by key id.
// It keeps and steps sender chains but never parses or builds wire messages, never encrypts, and
// never touches a store: GroupCipher does those.
using Google.Protobuf;
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

/// <summary>A planned sender-key receive: the message seed and what the state changes to.</summary>
internal sealed class SenderReceivingStep
{
    /// <summary>Gets the message's seed.</summary>
    internal required byte[] MessageSeed { get; init; }

    /// <summary>Gets the message's iteration.</summary>
    internal required uint Iteration { get; init; }

    /// <summary>Gets whether the seed comes from the stored skipped keys.</summary>
    internal bool FromStoredKey { get; init; }

    /// <summary>Gets the chain key after this message.</summary>
    internal SenderChainKey ChainAfter { get; init; }

    /// <summary>Gets the skipped seeds to keep.</summary>
    internal IReadOnlyList<SenderChainKeyStructure> Skipped { get; init; } = [];
}

/// <summary>One sender chain: key id, chain key, signing key and skipped message seeds.</summary>
internal sealed class SenderKeyState
{
    private readonly SenderKeyStateStructure _s;

    internal SenderKeyState(SenderKeyStateStructure structure) => _s = structure;

    /// <summary>Gets the protobuf this state lives in.</summary>
    internal SenderKeyStateStructure Structure => _s;

    /// <summary>Gets the key id.</summary>
    internal SenderKeyId KeyId => new(_s.KeyId);

    /// <summary>Gets the current chain key.</summary>
    internal SenderChainKey ChainKey => new(_s.ChainKey.Iteration, _s.ChainKey.Seed.ToByteArray());

    /// <summary>Gets the signing public key (raw 32 bytes).</summary>
    internal ReadOnlySpan<byte> SigningPublic => _s.SigningPublicKey.Span;

    /// <summary>Gets the signing private key; empty unless this is our own sending state.</summary>
    internal ReadOnlySpan<byte> SigningPrivate => _s.SigningPrivateKey.Span;

    /// <summary>Creates a state.</summary>
    internal static SenderKeyState Create(SenderKeyId id, SenderChainKey chain, byte[] signingPublic, byte[]? signingPrivate) =>
        new(new SenderKeyStateStructure
        {
            KeyId = id.Value,
            ChainKey = new SenderChainKeyStructure { Iteration = chain.Iteration, Seed = ByteString.CopyFrom(chain.Seed) },
            SigningPublicKey = ByteString.CopyFrom(signingPublic),
            SigningPrivateKey = signingPrivate is null ? ByteString.Empty : ByteString.CopyFrom(signingPrivate),
        });

    /// <summary>Checks the stored fields a state cannot work without.</summary>
    internal void Validate()
    {
        if (_s.ChainKey is null || _s.ChainKey.Seed.Length != SignalConstants.KeySize
            || _s.SigningPublicKey.Length != Curve25519.KeySize
            || (_s.SigningPrivateKey.Length != 0 && _s.SigningPrivateKey.Length != Curve25519.KeySize))
        {
            SignalProtocolException.Throw(SignalErrorKind.CorruptRecord, "stored sender key is incomplete");
        }
    }

    /// <summary>Takes the chain's current message seed and advances past it.</summary>
    internal (uint Iteration, byte[] Seed) TakeSendingKey()
    {
        var chain = ChainKey;
        var (seed, next) = chain.Advance();
        SetChainKey(next);
        return (chain.Iteration, seed);
    }

    /// <summary>Works out the seed of iteration <paramref name="iteration"/>, changing nothing.</summary>
    /// <exception cref="SignalProtocolException">The iteration was used already or lies too far ahead.</exception>
    internal SenderReceivingStep PlanReceive(uint iteration)
    {
        var chain = ChainKey;
        if (iteration < chain.Iteration)
        {
            foreach (var key in _s.MessageKeys)
            {
                if (key.Iteration == iteration)
                {
                    return new SenderReceivingStep { MessageSeed = key.Seed.ToByteArray(), Iteration = iteration, FromStoredKey = true };
                }
            }

            SignalProtocolException.Throw(SignalErrorKind.DuplicateMessage,
                $"sender-key iteration {iteration} is behind the chain's {chain.Iteration} and its key is used or expired");
        }

        if (iteration - chain.Iteration > SignalConstants.MaxForwardJumps)
        {
            SignalProtocolException.Throw(SignalErrorKind.TooFarInFuture,
                $"sender-key iteration {iteration} is more than {SignalConstants.MaxForwardJumps} past the chain's {chain.Iteration}");
        }

        var skipped = new List<SenderChainKeyStructure>();
        while (chain.Iteration < iteration)
        {
            if (iteration - chain.Iteration <= SignalConstants.MaxMessageKeys)
            {
                var (skippedSeed, next) = chain.Advance();
                skipped.Add(new SenderChainKeyStructure { Iteration = chain.Iteration, Seed = SignalKeys.Wrap(skippedSeed) });
                chain = next;
            }
            else
            {
                chain = chain.Next();
            }
        }

        var (seed, after) = chain.Advance();
        return new SenderReceivingStep { MessageSeed = seed, Iteration = iteration, ChainAfter = after, Skipped = skipped };
    }

    /// <summary>Applies a planned receive once its message has verified and decrypted.</summary>
    internal void ApplyReceive(SenderReceivingStep step)
    {
        if (step.FromStoredKey)
        {
            for (var i = 0; i < _s.MessageKeys.Count; i++)
            {
                if (_s.MessageKeys[i].Iteration == step.Iteration)
                {
                    _s.MessageKeys.RemoveAt(i);
                    return;
                }
            }

            return;
        }

        SetChainKey(step.ChainAfter);
        var overflow = _s.MessageKeys.Count + step.Skipped.Count - SignalConstants.MaxMessageKeys;
        if (overflow > 0)
        {
            var kept = _s.MessageKeys.Skip(overflow).ToList();
            _s.MessageKeys.Clear();
            _s.MessageKeys.AddRange(kept);
        }

        _s.MessageKeys.AddRange(step.Skipped);
    }

    /// <summary>Describes the state by id and iteration.</summary>
    public override string ToString() => $"{KeyId}@{_s.ChainKey?.Iteration}";

    private void SetChainKey(SenderChainKey chain) =>
        _s.ChainKey = new SenderChainKeyStructure { Iteration = chain.Iteration, Seed = SignalKeys.Wrap(chain.Seed) };
}

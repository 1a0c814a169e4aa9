// One sender chain of a group member (PROTOCOL.md §5.6): key id, chain key, signing key and the
// seeds of skipped iterations. It steps the chain but never parses or builds wire messages, never
// encrypts and never touches a store.
using Google.Protobuf;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Signal.Ratchet;
using WaOrleans.Protocol.Signal.Storage;

namespace WaOrleans.Protocol.Signal.State;

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

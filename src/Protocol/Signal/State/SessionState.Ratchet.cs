// The Double Ratchet steps on a session's state (https://signal.org/docs/specifications/doubleratchet/,
// libsignal's session_cipher.rs): hand out the next sending key, and plan then apply a receiving
// step. Receiving is split in two so the caller can verify the message before anything changes:
// a failed decrypt must leave the session exactly as it was.
using Google.Protobuf;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Signal.Ratchet;
using WaOrleans.Protocol.Signal.Storage;

namespace WaOrleans.Protocol.Signal.State;

/// <summary>The key of the next outgoing message and the values its header carries.</summary>
internal readonly record struct SendingStep(byte[] MessageSeed, uint Counter, uint PreviousCounter, byte[] RatchetPublicKey);

/// <summary>
/// Everything a receiving step would change, computed without changing anything: the message
/// key, the chain key after it, skipped keys to keep, and for a new peer ratchet key the whole
/// Diffie-Hellman step.
/// </summary>
internal sealed class ReceivingStep
{
    /// <summary>Gets the seed of the message's key.</summary>
    internal required byte[] MessageSeed { get; init; }

    /// <summary>Gets the peer's ratchet key the message came under.</summary>
    internal required byte[] TheirRatchetKey { get; init; }

    /// <summary>Gets the message's counter.</summary>
    internal required uint Counter { get; init; }

    /// <summary>Gets whether the seed comes from the stored skipped keys (nothing else changes then).</summary>
    internal bool FromStoredKey { get; init; }

    /// <summary>Gets the receiving chain key after this message.</summary>
    internal ChainKey ChainAfter { get; init; }

    /// <summary>Gets the skipped keys to store (the newest <see cref="SignalConstants.MaxMessageKeys"/> at most).</summary>
    internal IReadOnlyList<MessageKeyStructure> Skipped { get; init; } = [];

    /// <summary>Gets the Diffie-Hellman step, when the peer's ratchet key is new.</summary>
    internal DhStep? Dh { get; init; }
}

/// <summary>A Diffie-Hellman ratchet step: new root, our new ratchet key and sending chain.</summary>
internal sealed record DhStep(RootKey Root, KeyPair OurRatchetKey, ChainKey SendingChain, uint PreviousCounter);

/// <content>The ratchet steps.</content>
internal sealed partial class SessionState
{
    /// <summary>Takes the sending chain's next message key and advances the chain past it.</summary>
    internal SendingStep TakeSendingKey()
    {
        var chain = SenderChainKey;
        var (seed, next) = chain.Advance();
        var step = new SendingStep(seed, chain.Index, _s.PreviousCounter, _s.SenderChain.RatchetPublicKey.ToByteArray());
        _s.SenderChain.ChainKey = SignalKeys.Wrap(next.Key);
        _s.SenderChain.Index = next.Index;
        return step;
    }

    /// <summary>
    /// Works out the key of a message with counter <paramref name="counter"/> under the peer's
    /// ratchet key <paramref name="theirRatchetKey"/>, changing nothing.
    /// </summary>
    /// <exception cref="SignalProtocolException">The key was used already (<see cref="SignalErrorKind.DuplicateMessage"/>) or lies too far ahead.</exception>
    internal ReceivingStep PlanReceive(byte[] theirRatchetKey, uint counter, ISignalRandom random)
    {
        var chain = FindReceiverChain(theirRatchetKey);
        DhStep? dh = null;
        ChainKey chainKey;
        if (chain is null)
        {
            // A ratchet key we have not seen: the peer has heard from us, so step the DH ratchet
            // (a receiving chain from our current key, then a new key pair of ours for sending).
            var (receivingRoot, receivingChain) = CurrentRootKey.CreateChain(theirRatchetKey, SenderRatchetKeyPair);
            var ourNewKey = random.NextKeyPair();
            var (sendingRoot, sendingChain) = receivingRoot.CreateChain(theirRatchetKey, ourNewKey);
            var sent = _s.SenderChain.Index;
            dh = new DhStep(sendingRoot, ourNewKey, sendingChain, sent > 0 ? sent - 1 : 0);
            chainKey = receivingChain;
        }
        else
        {
            chainKey = new ChainKey(chain.ChainKey.ToByteArray(), chain.Index);
        }

        if (counter < chainKey.Index)
        {
            return PlanStoredKey(chain, theirRatchetKey, counter, chainKey.Index);
        }

        if (counter - chainKey.Index > SignalConstants.MaxForwardJumps)
        {
            SignalProtocolException.Throw(SignalErrorKind.TooFarInFuture,
                $"message counter {counter} is more than {SignalConstants.MaxForwardJumps} past the chain's {chainKey.Index}");
        }

        var skipped = new List<MessageKeyStructure>();
        while (chainKey.Index < counter)
        {
            // Keys older than the newest MaxMessageKeys would be evicted at once: skip deriving their seeds.
            if (counter - chainKey.Index <= SignalConstants.MaxMessageKeys)
            {
                var (skippedSeed, next) = chainKey.Advance();
                skipped.Add(new MessageKeyStructure { Index = chainKey.Index, Seed = SignalKeys.Wrap(skippedSeed) });
                chainKey = next;
            }
            else
            {
                chainKey = chainKey.Next();
            }
        }

        var (seed, after) = chainKey.Advance();
        return new ReceivingStep
        {
            MessageSeed = seed,
            TheirRatchetKey = theirRatchetKey,
            Counter = counter,
            ChainAfter = after,
            Skipped = skipped,
            Dh = dh,
        };
    }

    /// <summary>Applies a planned receiving step once its message has verified and decrypted.</summary>
    internal void ApplyReceive(ReceivingStep step)
    {
        if (step.FromStoredKey)
        {
            var stored = FindReceiverChain(step.TheirRatchetKey)!;
            for (var i = 0; i < stored.MessageKeys.Count; i++)
            {
                if (stored.MessageKeys[i].Index == step.Counter)
                {
                    stored.MessageKeys.RemoveAt(i);
                    break;
                }
            }
        }
        else
        {
            var chain = FindReceiverChain(step.TheirRatchetKey);
            if (step.Dh is { } dh)
            {
                _s.RootKey = SignalKeys.Wrap(dh.Root.Key);
                chain = new ChainStructure { RatchetPublicKey = ByteString.CopyFrom(step.TheirRatchetKey) };
                _s.ReceiverChains.Add(chain);
                if (_s.ReceiverChains.Count > SignalConstants.MaxReceiverChains)
                {
                    _s.ReceiverChains.RemoveAt(0);
                }

                _s.PreviousCounter = dh.PreviousCounter;
                SetSenderChain(dh.OurRatchetKey, dh.SendingChain);
            }

            chain!.ChainKey = SignalKeys.Wrap(step.ChainAfter.Key);
            chain.Index = step.ChainAfter.Index;
            AddSkippedKeys(chain, step.Skipped);
        }

        // The peer has answered this session: stop sending PreKeyWhisperMessages.
        _s.PendingPreKey = null;
    }

    private static ReceivingStep PlanStoredKey(ChainStructure? chain, byte[] theirRatchetKey, uint counter, uint chainIndex)
    {
        if (chain is not null)
        {
            foreach (var key in chain.MessageKeys)
            {
                if (key.Index == counter)
                {
                    return new ReceivingStep
                    {
                        MessageSeed = key.Seed.ToByteArray(),
                        TheirRatchetKey = theirRatchetKey,
                        Counter = counter,
                        FromStoredKey = true,
                    };
                }
            }
        }

        SignalProtocolException.Throw(SignalErrorKind.DuplicateMessage,
            $"message counter {counter} is behind the chain's {chainIndex} and its key is used or expired");
        return null!;
    }

    private static void AddSkippedKeys(ChainStructure chain, IReadOnlyList<MessageKeyStructure> skipped)
    {
        if (skipped.Count == 0)
        {
            return;
        }

        var overflow = chain.MessageKeys.Count + skipped.Count - SignalConstants.MaxMessageKeys;
        if (overflow > 0)
        {
            // Drop the oldest keys in one pass rather than one RemoveAt(0) per key.
            var kept = chain.MessageKeys.Skip(overflow).ToList();
            chain.MessageKeys.Clear();
            chain.MessageKeys.AddRange(kept);
        }

        chain.MessageKeys.AddRange(skipped);
    }
}

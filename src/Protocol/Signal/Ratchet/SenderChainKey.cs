// The sender-key chain of group messages (PROTOCOL.md §5.6): one symmetric chain per sender, no
// Diffie-Hellman steps. It only computes and must not know records, stores or the wire format.
namespace WaOrleans.Protocol.Signal.Ratchet;

/// <summary>A sender-key chain key and its iteration.</summary>
internal readonly struct SenderChainKey(uint iteration, byte[] seed)
{
    /// <summary>Gets the iteration whose message key this chain key derives.</summary>
    internal uint Iteration { get; } = iteration;

    /// <summary>Gets the 32-byte chain key.</summary>
    internal byte[] Seed { get; } = seed;

    /// <summary>Derives the next chain key only (for skipped seeds too old to keep): HMAC-SHA256(chain key, 02), iteration + 1.</summary>
    internal SenderChainKey Next() => new(Iteration + 1, SignalKdf.ChainStep(Seed, SignalKdf.ChainKeySeed));

    /// <summary>
    /// Derives this iteration's message seed, HMAC-SHA256(chain key, 01), and the next chain key,
    /// HMAC-SHA256(chain key, 02) at iteration + 1, keying the HMAC once for both.
    /// </summary>
    internal (byte[] MessageSeed, SenderChainKey Next) Advance()
    {
        var (seed, next) = SignalKdf.ChainSteps(Seed);
        return (seed, new SenderChainKey(Iteration + 1, next));
    }

    /// <summary>Describes the chain by its iteration only.</summary>
    public override string ToString() => $"SenderChainKey(iteration {Iteration})";
}

/// <summary>The AES-256-CBC key and IV of one group message.</summary>
internal readonly ref struct SenderMessageKey
{
    /// <summary>HKDF output size: IV (16) then key (32).</summary>
    internal const int DerivedSize = SignalConstants.IvSize + SignalConstants.KeySize;

    private readonly Span<byte> _derived;

    /// <summary>Expands a message seed with HKDF(seed, zeros, "WhisperGroup") into <paramref name="buffer"/>.</summary>
    internal SenderMessageKey(ReadOnlySpan<byte> seed, Span<byte> buffer)
    {
        SignalKdf.Derive(seed, [], SignalKdf.WhisperGroup, buffer);
        _derived = buffer;
    }

    /// <summary>Gets the IV: HKDF bytes 0..16.</summary>
    internal ReadOnlySpan<byte> Iv => _derived[..SignalConstants.IvSize];

    /// <summary>Gets the AES-256 key: HKDF bytes 16..48.</summary>
    internal ReadOnlySpan<byte> CipherKey => _derived[SignalConstants.IvSize..DerivedSize];

    /// <summary>Describes the key without its bytes.</summary>
    public override string ToString() => "SenderMessageKey(…)";
}

// The key derivations of libsignal v3 (PROTOCOL.md §5.5, §5.6): HKDF-SHA256 with the Whisper
// labels and the chain HMACs. This file knows nothing of sessions, records or stores.
using System.Security.Cryptography;

namespace WaOrleans.Protocol.Signal.Ratchet;

/// <summary>HKDF and HMAC steps shared by the 1:1 ratchet and sender keys, with their named labels.</summary>
internal static class SignalKdf
{
    /// <summary>HKDF info of the X3DH master secret ("WhisperText").</summary>
    internal static ReadOnlySpan<byte> WhisperText => "WhisperText"u8;

    /// <summary>HKDF info of a Diffie-Hellman ratchet step ("WhisperRatchet").</summary>
    internal static ReadOnlySpan<byte> WhisperRatchet => "WhisperRatchet"u8;

    /// <summary>HKDF info expanding a 1:1 message-key seed ("WhisperMessageKeys").</summary>
    internal static ReadOnlySpan<byte> WhisperMessageKeys => "WhisperMessageKeys"u8;

    /// <summary>HKDF info expanding a sender-key message seed ("WhisperGroup").</summary>
    internal static ReadOnlySpan<byte> WhisperGroup => "WhisperGroup"u8;

    /// <summary>libsignal's HKDF salt when there is none: 32 zero bytes (an RFC 5869 empty salt gives the same PRK).</summary>
    private static readonly byte[] ZeroSalt = new byte[SignalConstants.KeySize];

    /// <summary>The HMAC input that turns a chain key into a message-key seed.</summary>
    internal const byte MessageKeySeed = 0x01;

    /// <summary>The HMAC input that turns a chain key into the next chain key.</summary>
    internal const byte ChainKeySeed = 0x02;

    /// <summary>
    /// HKDF-SHA256 as libsignal-node's <c>deriveSecrets</c>: extract with <paramref name="salt"/>
    /// (32 zero bytes when empty), expand with <paramref name="info"/> into <paramref name="output"/>.
    /// </summary>
    internal static void Derive(ReadOnlySpan<byte> inputKeyMaterial, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, Span<byte> output)
    {
        HKDF.DeriveKey(HashAlgorithmName.SHA256, inputKeyMaterial, output, salt.IsEmpty ? ZeroSalt : salt, info);
    }

    /// <summary>Computes one chain step, HMAC-SHA256(<paramref name="key"/>, [<paramref name="seed"/>]), into a new 32-byte array.</summary>
    internal static byte[] ChainStep(ReadOnlySpan<byte> key, byte seed)
    {
        var result = new byte[SignalConstants.KeySize];
        ReadOnlySpan<byte> input = [seed];
        HMACSHA256.HashData(key, input, result);
        return result;
    }

    /// <summary>
    /// Computes both chain steps of <paramref name="key"/>: the message-key seed HMAC(key, 01) and
    /// the next chain key HMAC(key, 02), keying the HMAC once for both.
    /// </summary>
    internal static (byte[] MessageSeed, byte[] NextKey) ChainSteps(ReadOnlySpan<byte> key)
    {
        var seed = new byte[SignalConstants.KeySize];
        var next = new byte[SignalConstants.KeySize];
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData([MessageKeySeed]);
        hmac.GetHashAndReset(seed);
        hmac.AppendData([ChainKeySeed]);
        hmac.GetHashAndReset(next);
        return (seed, next);
    }
}

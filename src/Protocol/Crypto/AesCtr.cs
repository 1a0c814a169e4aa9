using System.Buffers.Binary;
using System.Security.Cryptography;

namespace WaOrleans.Protocol.Crypto;

/// <summary>
/// AES-256 in counter mode (NIST SP 800-38A), which the BCL lacks: the keystream is AES-ECB over
/// a 128-bit big-endian counter block, so the hardware AES of <see cref="Aes"/> does the work.
/// WhatsApp uses it to wrap the pairing-code ephemeral keys (PROTOCOL.md §4.4).
/// </summary>
public static class AesCtr
{
    private const int BlockSize = 16;

    /// <summary>Encrypts or decrypts (the same operation) <paramref name="input"/> into <paramref name="output"/>.</summary>
    public static void Transform(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (iv.Length != BlockSize)
        {
            throw new ArgumentException($"expected a {BlockSize}-byte IV, got {iv.Length}", nameof(iv));
        }

        if (output.Length < input.Length)
        {
            throw new ArgumentException("output is shorter than input", nameof(output));
        }

        using var aes = Aes.Create();
        aes.Key = key.ToArray();
        var blocks = (input.Length + BlockSize - 1) / BlockSize;
        var counters = new byte[blocks * BlockSize];
        var high = BinaryPrimitives.ReadUInt64BigEndian(iv);
        var low = BinaryPrimitives.ReadUInt64BigEndian(iv[8..]);
        for (var i = 0; i < blocks; i++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(counters.AsSpan(i * BlockSize), high);
            BinaryPrimitives.WriteUInt64BigEndian(counters.AsSpan((i * BlockSize) + 8), low);
            if (++low == 0)
            {
                high++;
            }
        }

        var keystream = aes.EncryptEcb(counters, PaddingMode.None);
        for (var i = 0; i < input.Length; i++)
        {
            output[i] = (byte)(input[i] ^ keystream[i]);
        }
    }

    /// <summary>Encrypts or decrypts <paramref name="input"/> and returns the result.</summary>
    public static byte[] Transform(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> input)
    {
        var output = new byte[input.Length];
        Transform(key, iv, input, output);
        return output;
    }
}

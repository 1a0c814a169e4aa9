using System.Buffers.Binary;
using System.Security.Cryptography;
using WaOrleans.Protocol.Crypto;

namespace WaOrleans.Protocol.Signal;

/// <summary>
/// The randomness the Signal layer draws keys, ids and seeds from. Production code passes
/// <see cref="SystemSignalRandom.Instance"/>; tests pass a seeded source to replay fixed vectors.
/// </summary>
public interface ISignalRandom
{
    /// <summary>Fills <paramref name="destination"/> with random bytes.</summary>
    void Fill(Span<byte> destination);
}

/// <summary>The operating system's cryptographic random number generator.</summary>
public sealed class SystemSignalRandom : ISignalRandom
{
    private SystemSignalRandom()
    {
    }

    /// <summary>Gets the shared instance.</summary>
    public static SystemSignalRandom Instance { get; } = new();

    /// <summary>Fills <paramref name="destination"/> from <see cref="RandomNumberGenerator"/>.</summary>
    public void Fill(Span<byte> destination) => RandomNumberGenerator.Fill(destination);
}

/// <summary>Draws keys and numbers from an <see cref="ISignalRandom"/>.</summary>
internal static class SignalRandomExtensions
{
    /// <summary>Generates a Curve25519 key pair from 32 random bytes.</summary>
    internal static KeyPair NextKeyPair(this ISignalRandom random)
    {
        Span<byte> seed = stackalloc byte[Curve25519.KeySize];
        random.Fill(seed);
        var pair = Curve25519.FromPrivateKey(seed);
        CryptographicOperations.ZeroMemory(seed);
        return pair;
    }

    /// <summary>Draws a uniformly random 32-bit number.</summary>
    internal static uint NextUInt32(this ISignalRandom random)
    {
        Span<byte> bytes = stackalloc byte[sizeof(uint)];
        random.Fill(bytes);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    /// <summary>Draws <paramref name="count"/> random bytes into a new array.</summary>
    internal static byte[] NextBytes(this ISignalRandom random, int count)
    {
        var bytes = new byte[count];
        random.Fill(bytes);
        return bytes;
    }
}

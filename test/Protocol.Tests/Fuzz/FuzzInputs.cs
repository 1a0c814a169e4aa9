namespace WaOrleans.Protocol.Tests.Fuzz;

/// <summary>
/// Random and mutated inputs for the decoder fuzz tests, from a fixed seed so a failure replays.
/// <c>WAORLEANS_FUZZ_ITERATIONS</c> raises the count for a longer run.
/// </summary>
public static class FuzzInputs
{
    /// <summary>Iterations a fuzz test runs in the normal suite.</summary>
    public const int DefaultIterations = 100_000;

    /// <summary>Gets the iteration count: the environment variable if set, else the default.</summary>
    public static int Iterations =>
        int.TryParse(Environment.GetEnvironmentVariable("WAORLEANS_FUZZ_ITERATIONS"), out var n) && n > 0
            ? n
            : DefaultIterations;

    /// <summary>
    /// Mutates a copy of a valid input the ways that break parsers: flipped bits, overwritten
    /// bytes with boundary values, truncation, duplicated and deleted ranges.
    /// </summary>
    public static byte[] Mutate(Random random, ReadOnlySpan<byte> seed)
    {
        var bytes = new List<byte>(seed.ToArray());
        var edits = 1 + random.Next(4);
        for (var e = 0; e < edits && bytes.Count > 0; e++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes[at] = BoundaryBytes[random.Next(BoundaryBytes.Length)];
                    break;
                case 2:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 3:
                    var len = Math.Min(random.Next(1, 16), bytes.Count - at);
                    bytes.InsertRange(at, bytes.GetRange(at, len));
                    break;
                default:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 8), bytes.Count - at));
                    break;
            }
        }

        return [.. bytes];
    }

    /// <summary>Returns random bytes of a random length up to <paramref name="maxLength"/>.</summary>
    public static byte[] RandomBytes(Random random, int maxLength)
    {
        var bytes = new byte[random.Next(maxLength + 1)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static readonly byte[] BoundaryBytes = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF, 0xF8, 0xF9, 0xFA, 0xFC, 0xFD];
}

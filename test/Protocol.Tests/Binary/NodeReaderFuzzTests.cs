using System.Diagnostics;
using System.IO.Compression;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Tests.Fuzz;
using Xunit.Abstractions;

namespace WaOrleans.Protocol.Tests.Binary;

// Decoder fuzz target: random and mutated inputs may only ever raise NodeDecodeException, must
// finish quickly, and may only allocate in proportion to their size.
public sealed class NodeReaderFuzzTests(ITestOutputHelper output)
{
    /// <summary>
    /// Allowed allocation per input byte. The worst shape measured (thousands of repeats of one
    /// two-byte attribute: the entry array plus the duplicate check's dictionary) takes about 36.
    /// </summary>
    private const int AllocationPerByte = 48;

    /// <summary>Allowed allocation on top: the exception with its message and stack trace, and the reader's fixed costs.</summary>
    private const int AllocationBase = 16 * 1024;

    /// <summary>The slowest a single input may decode; any real one takes microseconds.</summary>
    private static readonly TimeSpan MaxPerInput = TimeSpan.FromSeconds(1);

    private static readonly byte[] Interesting = [0x00, 0x01, 0x02, 0x03, 0x7F, 0x80, 0x81, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE, 0xFF];

    [Fact]
    public void Decoder_survives_random_and_mutated_input()
    {
        var iterations = FuzzInputs.Iterations;
        var random = new Random(0x5EED);
        var generator = new RandomNodes(0x5EED);
        var corpus = Enumerable.Range(0, 300).Select(i => NodeWriter.EncodeFrame(generator.Next(i, allowBigBytes: false))[1..]).Where(f => f.Length < 8192).ToArray();
        var compressed = corpus.Take(50).Select(Deflate).ToArray();
        var (accepted, rejected, worst) = (0, 0, TimeSpan.Zero);
        var clock = Stopwatch.StartNew();

        for (var i = 0; i < iterations; i++)
        {
            var input = Mutate(random, corpus);
            var before = GC.GetAllocatedBytesForCurrentThread();
            var start = Stopwatch.GetTimestamp();
            if (TryDecode(() => NodeReader.Decode(input), input))
            {
                accepted++;
            }
            else
            {
                rejected++;
            }

            var elapsed = Stopwatch.GetElapsedTime(start);
            worst = elapsed > worst ? elapsed : worst;
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(elapsed < MaxPerInput, $"decoding took {elapsed} for {Convert.ToHexString(input)}");
            Assert.True(allocated <= (AllocationPerByte * (long)input.Length) + AllocationBase,
                $"decoding allocated {allocated} bytes for a {input.Length}-byte input {Convert.ToHexString(input)}");

            if (i % 8 == 0)
            {
                // The sharing overload must agree with the copying one, in results and in rejections.
                byte[] plain = [0x00, .. input];
                var shared = TryDecode(() => NodeReader.DecodeFrame(plain), plain);
                Assert.Equal(shared, TryDecode(() => NodeReader.DecodeFrame((ReadOnlySpan<byte>)plain), plain));
                if (shared)
                {
                    Assert.Equal(NodeReader.DecodeFrame((ReadOnlySpan<byte>)plain), NodeReader.DecodeFrame(plain));
                }
            }

            if (i % 16 == 0)
            {
                byte[] frame = random.Next(2) == 0 ? [0x02, .. Flip(random, Pick(random, compressed))] : [(byte)random.Next(256), .. input];
                TryDecode(() => NodeReader.DecodeFrame(frame), frame);
            }
        }

        output.WriteLine($"{iterations} inputs in {clock.Elapsed}: {accepted} decoded, {rejected} rejected; slowest {worst.TotalMilliseconds:F2} ms");
        Assert.True(accepted > iterations / 100, "the mutations should leave some inputs valid");
        Assert.True(rejected > iterations / 2, "the mutations should break most inputs");
    }

    [Theory]
    [InlineData("65,535 minimal children", "F8 02 56 F9 FF FF", "F8 01 56", ushort.MaxValue)]
    [InlineData("65,535 children with an attribute", "F8 02 56 F9 FF FF", "F8 03 56 11 03", ushort.MaxValue)]
    [InlineData("32,767 repeats of one attribute", "F9 FF FF 56", "11 03", short.MaxValue)]
    [InlineData("32,767 attributes with packed keys and values", "F9 FF FF 56", "FF 01 12 FF 01 34", short.MaxValue)]
    [InlineData("32,767 JID attributes", "F9 FF FF 56", "11 FA FF 01 12 03", short.MaxValue)]
    [InlineData("65,535 one-byte raw strings", "F8 02 56 F9 FF FF", "F8 02 56 FC 01 41", ushort.MaxValue)]
    public void Worst_case_shapes_stay_within_the_allocation_bound(string shape, string head, string item, int count)
    {
        var input = NodeWriterTests.Hex(head + string.Concat(Enumerable.Repeat(" " + item, count)));
        NodeReader.Decode(input);

        var before = GC.GetAllocatedBytesForCurrentThread();
        NodeReader.Decode(input);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine($"{shape}: {allocated} bytes for {input.Length} ({(double)allocated / input.Length:F1} per byte)");
        Assert.True(allocated <= (AllocationPerByte * (long)input.Length) + AllocationBase, $"{shape}: {allocated} bytes for {input.Length}");
    }

    private static bool TryDecode(Func<Node> decode, byte[] input)
    {
        try
        {
            decode();
            return true;
        }
        catch (NodeDecodeException)
        {
            return false;
        }
        catch (Exception ex)
        {
            Assert.Fail($"{ex.GetType().Name} escaped the decoder for {Convert.ToHexString(input)}: {ex}");
            throw;
        }
    }

    private static byte[] Mutate(Random random, byte[][] corpus)
    {
        var seed = Pick(random, corpus);
        switch (random.Next(9))
        {
            case 0:
                var noise = new byte[random.Next(64)];
                random.NextBytes(noise);
                return noise;
            case 1:
                return [.. Enumerable.Range(0, random.Next(1, 48)).Select(_ => random.Next(3) == 0 ? (byte)random.Next(256) : Pick(random, Interesting))];
            case 2:
                return Flip(random, seed);
            case 3:
                return seed[..random.Next(seed.Length)];
            case 4:
                var at = random.Next(seed.Length + 1);
                return [.. seed[..at], .. Enumerable.Range(0, random.Next(1, 8)).Select(_ => Pick(random, Interesting)), .. seed[at..]];
            case 5:
                var other = Pick(random, corpus);
                return [.. seed[..random.Next(seed.Length)], .. other[random.Next(other.Length)..]];
            case 6:
                var copy = (byte[])seed.Clone();
                for (var k = random.Next(1, 4); k > 0; k--)
                {
                    copy[random.Next(copy.Length)] = Pick(random, Interesting);
                }

                return copy;
            case 7:
                var from = random.Next(seed.Length);
                var slice = seed[from..Math.Min(seed.Length, from + random.Next(1, 32))];
                return [.. seed[..from], .. slice, .. slice, .. seed[from..]];
            default:
                return seed;
        }
    }

    private static byte[] Flip(Random random, byte[] seed)
    {
        var copy = (byte[])seed.Clone();
        for (var k = random.Next(1, 5); k > 0 && copy.Length > 0; k--)
        {
            copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
        }

        return copy;
    }

    private static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];

    private static byte[] Deflate(byte[] node)
    {
        using var stream = new MemoryStream();
        using (var zlib = new ZLibStream(stream, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(node);
        }

        return stream.ToArray();
    }
}

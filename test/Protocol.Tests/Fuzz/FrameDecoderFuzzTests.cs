using WaOrleans.Protocol.Noise;

namespace WaOrleans.Protocol.Tests.Fuzz;

/// <summary>
/// Feeds random and mutated byte streams, cut into random chunks, to the frame decoder and the
/// transport cipher: the only way out is a <see cref="TransportException"/>, memory stays bounded.
/// </summary>
public sealed class FrameDecoderFuzzTests
{
    private const int Seed = 20261123;

    /// <summary>A small cap so that announced lengths above it are common in random input.</summary>
    private const int FuzzMaxFrameSize = 4096;

    [Fact]
    public void Random_and_mutated_streams_only_raise_transport_exceptions()
    {
        var random = new Random(Seed);
        var valid = ValidStream(random);
        var outcomes = new int[3]; // frames decoded cleanly, rejected, left partial

        for (var i = 0; i < FuzzInputs.Iterations; i++)
        {
            var input = (i % 2 == 0) ? FuzzInputs.Mutate(random, valid) : FuzzInputs.RandomBytes(random, 64);
            var codec = new FrameCodec(FuzzMaxFrameSize, expectIntro: i % 4 == 1);
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                var offset = 0;
                while (offset < input.Length)
                {
                    var chunk = Math.Min(input.Length - offset, 1 + random.Next(32));
                    codec.Feed(input.AsSpan(offset, chunk));
                    offset += chunk;
                    while (codec.TryReadFrame(out ReadOnlySpan<byte> frame))
                    {
                        Assert.True(frame.Length < FuzzMaxFrameSize);
                    }
                }

                outcomes[codec.BufferedLength == 0 ? 0 : 2]++;
            }
            catch (TransportException ex)
            {
                Assert.True(ex.Kind is TransportErrorKind.FrameTooLarge or TransportErrorKind.InvalidIntro, ex.Kind.ToString());
                outcomes[1]++;
            }

            // The decoder never reserves memory for a frame beyond what its cap allows.
            Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, (16 * input.Length) + (4 * FuzzMaxFrameSize) + 4096);
        }

        // The corpus must exercise every path, or the test proves little.
        Assert.All(outcomes, count => Assert.True(count > 100, string.Join(",", outcomes)));
    }

    [Fact]
    public void Random_and_mutated_ciphertexts_only_fail_authentication()
    {
        var random = new Random(Seed);
        var key = new byte[32];
        random.NextBytes(key);
        using var sender = new NoiseCipher(key);
        var valid = sender.Encrypt("a frame that will be mutated"u8);
        var iterations = FuzzInputs.Iterations / 10; // AES-GCM setup dominates; a tenth is plenty

        for (var i = 0; i < iterations; i++)
        {
            var input = (i % 2 == 0) ? FuzzInputs.Mutate(random, valid) : FuzzInputs.RandomBytes(random, 64);
            if (input.AsSpan().SequenceEqual(valid))
            {
                continue;
            }

            using var receiver = new NoiseCipher(key);
            var ex = Assert.Throws<TransportException>(() => receiver.Decrypt(input));
            Assert.Equal(TransportErrorKind.DecryptFailed, ex.Kind);
        }
    }

    private static byte[] ValidStream(Random random)
    {
        using var stream = new MemoryStream();
        foreach (var size in new[] { 0, 1, 17, 255, 256, 1000 })
        {
            var body = new byte[size];
            random.NextBytes(body);
            stream.Write(FrameCodec.Encode(body, FuzzMaxFrameSize));
        }

        return stream.ToArray();
    }
}

using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.Ratchet;

namespace WaOrleans.Protocol.Tests.Signal;

/// <summary>
/// Known-answer vectors for the Signal KDFs, produced by libsignal-node 6's <c>crypto.deriveSecrets</c>
/// and <c>calculateMAC</c> (input = bytes 0..31; ratchet salt = bytes A0..BF; other salts 32 zeros).
/// </summary>
public sealed class SignalKdfTests
{
    private static readonly byte[] Input = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];
    private static readonly byte[] RatchetSalt = [.. Enumerable.Range(0xA0, 32).Select(i => (byte)i)];

    [Theory]
    [InlineData("WhisperText", "31b2e937b12363c3e3aa8ff5c5b6a1be59a180a1e59b0351cc998092ed4fa3366a4902c7db8e6c8c05ef832902aabcfdeb2fb4fa346f66de0c346112818df1a5cf97f4d82229c4d9531111b9e158974b1c0d9416a254bbbff2532960b0af199a")]
    [InlineData("WhisperRatchet", "089ccdf3b552cc5b0910eada644f3d4b9197b8184c7c5dac74194519276e28350efcac9409f45f73f178bf97fcfedc4eafb04761684426367ee0dd0ee8651bbb90a64d4bb6266f6170ac8265ab7e4941d354a553e2375624cd79ebc0749be59a")]
    [InlineData("WhisperMessageKeys", "b818cf662a1eaf9ded79df503b322cd36850a2f61db0703882cd0c5a73b4103e81f29940c87867fc2eb7f29f1719c398ea89c3dab6f7749b2e070cb3751001a224d3cb64e9b5119c24f1e7aee85280e9c16a51ee0cea56a70f73b7f1f57a9f36")]
    [InlineData("WhisperGroup", "fd79d07f7fa4acaee34c23decaed328c712371f4ff6a1bd08144704e9a3cf1735d2e1d69da481007a7e32cffbfc81ba73e216745acdee694685fb397b17a40bd72a3acae86caaf0d907edbaa093d355261ed3038b135b17c83dc694114c3f127")]
    public void Hkdf_matches_libsignal_for_every_label(string label, string expectedHex)
    {
        var info = label switch
        {
            "WhisperText" => SignalKdf.WhisperText,
            "WhisperRatchet" => SignalKdf.WhisperRatchet,
            "WhisperMessageKeys" => SignalKdf.WhisperMessageKeys,
            _ => SignalKdf.WhisperGroup,
        };
        var output = new byte[96];

        SignalKdf.Derive(Input, label == "WhisperRatchet" ? RatchetSalt : [], info, output);

        Assert.Equal(expectedHex, Convert.ToHexStringLower(output));
    }

    [Fact]
    public void Chain_steps_match_libsignal()
    {
        var chain = new ChainKey(Input, 7);
        var (seed, next) = chain.Advance();
        var (senderSeed, senderNext) = new SenderChainKey(7, Input).Advance();

        Assert.Equal("9b4c8120a4823a95f47cde17a244f4507244ee6e3957d1fab9fa29b44d3829b7", Convert.ToHexStringLower(seed));
        Assert.Equal("4304c22c84a53755ab08ead8d97a8d429be5efa480682d7ad1da27f73e1fbe1d", Convert.ToHexStringLower(next.Key));
        Assert.Equal(next.Key, chain.Next().Key);
        Assert.Equal(8u, next.Index);
        Assert.Equal(seed, senderSeed);
        Assert.Equal(next.Key, senderNext.Seed);
        Assert.Equal(8u, senderNext.Iteration);
    }

    [Fact]
    public void Message_keys_split_the_hkdf_output_as_libsignal_does()
    {
        Span<byte> buffer = stackalloc byte[MessageKeys.DerivedSize];
        var keys = new MessageKeys(Input, buffer);
        const string expected = "b818cf662a1eaf9ded79df503b322cd36850a2f61db0703882cd0c5a73b4103e81f29940c87867fc2eb7f29f1719c398ea89c3dab6f7749b2e070cb3751001a224d3cb64e9b5119c24f1e7aee85280e9c16a51ee0cea56a70f73b7f1f57a9f36";

        Assert.Equal(expected[..64], Convert.ToHexStringLower(keys.CipherKey));
        Assert.Equal(expected[64..128], Convert.ToHexStringLower(keys.MacKey));
        Assert.Equal(expected[128..160], Convert.ToHexStringLower(keys.Iv));
    }

    [Fact]
    public void Sender_message_key_takes_iv_then_key_as_Baileys_does()
    {
        Span<byte> buffer = stackalloc byte[SenderMessageKey.DerivedSize];
        var key = new SenderMessageKey(Input, buffer);
        const string expected = "fd79d07f7fa4acaee34c23decaed328c712371f4ff6a1bd08144704e9a3cf1735d2e1d69da481007a7e32cffbfc81ba7";

        Assert.Equal(expected[..32], Convert.ToHexStringLower(key.Iv));
        Assert.Equal(expected[32..96], Convert.ToHexStringLower(key.CipherKey));
    }

    [Fact]
    public void Constants_have_the_values_of_libsignal()
    {
        Assert.Equal(0x33, SignalConstants.VersionByte);
        Assert.Equal(2000, SignalConstants.MaxMessageKeys);
        Assert.Equal(25_000, SignalConstants.MaxForwardJumps);
        Assert.Equal(40, SignalConstants.ArchivedStatesMaxLength);
    }
}

/// <summary>The KDF against libsignal-node's <c>deriveSecrets</c> on random inputs.</summary>
[Collection(WaOrleans.Protocol.Tests.Support.InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class SignalKdfInteropTests(WaOrleans.Protocol.Tests.Support.InteropHarness harness)
{
    [Fact]
    public async Task Hkdf_matches_libsignal_on_random_inputs()
    {
        var rng = new Random(31);
        var labels = new[] { "WhisperText", "WhisperRatchet", "WhisperMessageKeys", "WhisperGroup" };
        var items = Enumerable.Range(0, 200).Select(i => new
        {
            input = RandomBytes(rng, 1 + rng.Next(160)),
            salt = RandomBytes(rng, 32),
            info = labels[i % labels.Length],
        }).ToArray();

        var expected = (await harness.CallAsync("signal.kdf", new
        {
            items = items.Select(i => new { input = Convert.ToBase64String(i.input), salt = Convert.ToBase64String(i.salt), i.info }).ToArray(),
        }))!.AsArray();

        for (var i = 0; i < items.Length; i++)
        {
            var output = new byte[96];
            SignalKdf.Derive(items[i].input, items[i].salt, System.Text.Encoding.ASCII.GetBytes(items[i].info), output);
            var chunks = expected[i]!.AsArray().Select(c => Convert.FromBase64String(c!.GetValue<string>())).SelectMany(c => c).ToArray();
            Assert.Equal(chunks, output);
        }
    }

    private static byte[] RandomBytes(Random rng, int count)
    {
        var bytes = new byte[count];
        rng.NextBytes(bytes);
        return bytes;
    }
}

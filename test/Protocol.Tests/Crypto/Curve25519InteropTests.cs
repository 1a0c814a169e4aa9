using System.Security.Cryptography;
using System.Text.Json.Nodes;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Tests.Support;

namespace WaOrleans.Protocol.Tests.Crypto;

/// <summary>Curve25519 agreement and signatures checked both ways against libsignal-node.</summary>
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class Curve25519InteropTests(InteropHarness harness)
{
    private const int Count = 1000;

    [Fact]
    public async Task Libsignal_signatures_verify_in_CSharp_and_CSharp_signs_the_same_bytes()
    {
        var vectors = (await harness.CallAsync("curve.signVectors", new { count = Count }))!.AsArray();

        Assert.Equal(Count, vectors.Count);
        foreach (var v in vectors)
        {
            var priv = Bytes(v, "priv");
            var pub = Bytes(v, "pub");
            var msg = Bytes(v, "msg");
            var sig = Bytes(v, "sig");

            Assert.Equal(pub, Curve25519.FromPrivateKey(priv).PublicKeyBytes());
            Assert.True(Curve25519.Verify(pub, msg, sig));
            Assert.Equal(sig, Curve25519.Sign(priv, msg)); // both sign deterministically
            Assert.False(Curve25519.Verify(pub, msg, Flip(sig, msg.Length % 64)));
            if (msg.Length > 0)
            {
                Assert.False(Curve25519.Verify(pub, Flip(msg, 0), sig));
            }
        }
    }

    [Fact]
    public async Task CSharp_signatures_verify_in_libsignal_and_tampered_ones_fail_there()
    {
        var items = new JsonArray();
        var tampered = new JsonArray();
        for (var i = 0; i < Count; i++)
        {
            var pair = Curve25519.GenerateKeyPair();
            var msg = RandomNumberGenerator.GetBytes(1 + (i % 300));
            var sig = Curve25519.Sign(pair.PrivateKey, msg);
            items.Add(Item(pair.PublicKeyBytes(), msg, sig));
            tampered.Add(Item(pair.PublicKeyBytes(), msg, Flip(sig, i % 64)));
        }

        var verdicts = (await harness.CallAsync("curve.verify", new { items }))!.AsArray();
        var tamperedVerdicts = (await harness.CallAsync("curve.verify", new { items = tampered }))!.AsArray();

        Assert.All(verdicts, v => Assert.True(v!.GetValue<bool>()));
        Assert.All(tamperedVerdicts, v => Assert.False(v!.GetValue<bool>()));
    }

    [Fact]
    public async Task Agreement_matches_libsignal_for_random_keys()
    {
        var items = new JsonArray();
        var expected = new List<byte[]>();
        for (var i = 0; i < Count; i++)
        {
            var ours = RandomNumberGenerator.GetBytes(32); // unclamped on purpose: both sides clamp
            var theirs = Curve25519.GenerateKeyPair();
            items.Add(new JsonObject { ["priv"] = InteropHarness.B64(ours), ["pub"] = InteropHarness.B64(theirs.PublicKey) });
            expected.Add(Curve25519.SharedKey(ours, theirs.PublicKey));

            // Agreement is symmetric: their private with our public gives the same secret.
            Assert.Equal(expected[i], Curve25519.SharedKey(theirs.PrivateKey, Curve25519.FromPrivateKey(ours).PublicKey));
        }

        var actual = (await harness.CallAsync("curve.agree", new { items }))!.AsArray();

        for (var i = 0; i < Count; i++)
        {
            Assert.Equal(expected[i], Convert.FromBase64String(actual[i]!.GetValue<string>()));
        }
    }

    [Fact]
    public async Task Aes_ctr_matches_node()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        // An IV whose low 64 bits are about to wrap exercises the carry into the high half.
        var iv = Convert.FromHexString("0102030405060708FFFFFFFFFFFFFFFE");
        var data = RandomNumberGenerator.GetBytes(100);

        var expected = await harness.CallBytesAsync("crypto.aesCtr",
            new { key = InteropHarness.B64(key), iv = InteropHarness.B64(iv), data = InteropHarness.B64(data) });

        Assert.Equal(expected, AesCtr.Transform(key, iv, data));
        Assert.Equal(data, AesCtr.Transform(key, iv, expected));
    }

    private static JsonObject Item(byte[] pub, byte[] msg, byte[] sig) => new()
    {
        ["pub"] = InteropHarness.B64(pub),
        ["msg"] = InteropHarness.B64(msg),
        ["sig"] = InteropHarness.B64(sig),
    };

    private static byte[] Bytes(JsonNode? node, string name) => Convert.FromBase64String(node![name]!.GetValue<string>());

    private static byte[] Flip(byte[] bytes, int index)
    {
        var copy = (byte[])bytes.Clone();
        copy[index] ^= 0x01;
        return copy;
    }
}

using WaOrleans.Protocol.Crypto;

namespace WaOrleans.Protocol.Tests.Crypto;

public sealed class Curve25519Tests
{
    [Fact]
    public void Agreement_with_a_low_order_point_is_refused()
    {
        var pair = Curve25519.GenerateKeyPair();

        Assert.Throws<CryptoException>(() => Curve25519.SharedKey(pair.PrivateKey, new byte[32]));
    }

    [Fact]
    public void Signature_of_another_key_or_wrong_length_fails()
    {
        var a = Curve25519.GenerateKeyPair();
        var b = Curve25519.GenerateKeyPair();
        var msg = "hello"u8.ToArray();
        var sig = Curve25519.Sign(a.PrivateKey, msg);

        Assert.True(Curve25519.Verify(a.PublicKey, msg, sig));
        Assert.False(Curve25519.Verify(b.PublicKey, msg, sig));
        Assert.False(Curve25519.Verify(a.PublicKey, msg, sig.AsSpan(0, 63)));
    }

    [Fact]
    public void Key_pair_never_prints_its_private_key()
    {
        var pair = Curve25519.GenerateKeyPair();

        var text = pair.ToString();

        Assert.DoesNotContain(Convert.ToHexStringLower(pair.PrivateKey)[..8], text, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(pair.PrivateKeyBytes())[..8], text, StringComparison.Ordinal);
    }

    [Fact]
    public void Private_keys_are_clamped()
    {
        var pair = Curve25519.FromPrivateKey(Enumerable.Repeat((byte)0xFF, 32).ToArray());

        Assert.Equal(0xF8, pair.PrivateKey[0]);
        Assert.Equal(0x7F, pair.PrivateKey[31]);
    }
}

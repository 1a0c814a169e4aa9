using System.Security.Cryptography;
using System.Text;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Signal;

namespace WaOrleans.Client.Tests.Client;

/// <summary>The companion's pairing-code crypto, checked by opening its outputs the way the phone does (PROTOCOL.md §4.4).</summary>
public sealed class PairingCodeCryptoTests
{
    [Fact]
    public void Codes_are_eight_characters_of_the_alphabet_read_from_five_bytes_msb_first()
    {
        var code = PairingCodeCrypto.GenerateCode(new FixedRandom([0x00, 0x00, 0x00, 0x00, 0x00]));
        Assert.Equal("11111111", code);
        Assert.Equal("ZZZZZZZZ", PairingCodeCrypto.GenerateCode(new FixedRandom([0xFF, 0xFF, 0xFF, 0xFF, 0xFF])));
        // 0x08 0x86 0x42 0x98 0xE8 = 00001 00010 00011 00100 00101 00110 00111 01000.
        Assert.Equal("23456789", PairingCodeCrypto.GenerateCode(new FixedRandom([0x08, 0x86, 0x42, 0x98, 0xE8])));
        Assert.Equal("ABCD-EFGH", PairingCodeCrypto.Format("ABCDEFGH"));
    }

    [Fact]
    public void A_wrapped_ephemeral_key_unwraps_with_the_same_code_only()
    {
        var key = Curve25519.GenerateKeyPair();
        var wrapped = PairingCodeCrypto.WrapEphemeral("ABCDEFGH", key.PublicKey, SystemSignalRandom.Instance);
        Assert.Equal(80, wrapped.Length);
        Assert.Equal(key.PublicKeyBytes(), PairingCodeCrypto.UnwrapEphemeral("ABCDEFGH", wrapped));
        Assert.NotEqual(key.PublicKeyBytes(), PairingCodeCrypto.UnwrapEphemeral("ABCDEFGJ", wrapped));
    }

    [Fact]
    public void The_key_bundle_opens_with_the_shared_secret_and_both_sides_derive_the_same_adv_secret()
    {
        var companion = IdentityKeyPair.Generate(SystemSignalRandom.Instance);
        var primary = Curve25519.GenerateKeyPair();
        var shared = RandomNumberGenerator.GetBytes(32);

        var (bundle, advSecret) = PairingCodeCrypto.BuildKeyBundle(shared, companion, primary.PublicKey, SystemSignalRandom.Instance);

        Assert.Equal(156, bundle.Length);
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 32, bundle[..32], Encoding.ASCII.GetBytes("link_code_pairing_key_bundle_encryption_key"));
        var plaintext = new byte[96];
        using (var gcm = new AesGcm(key, 16))
        {
            gcm.Decrypt(bundle.AsSpan(32, 12), bundle.AsSpan(44, 96), bundle.AsSpan(140), plaintext);
        }

        Assert.Equal(companion.KeyPair.PublicKeyBytes(), plaintext[..32]);
        Assert.Equal(primary.PublicKeyBytes(), plaintext[32..64]);
        var identityShared = Curve25519.SharedKey(primary.PrivateKey, companion.KeyPair.PublicKey);
        var phoneSecret = HKDF.DeriveKey(HashAlgorithmName.SHA256, [.. shared, .. identityShared, .. plaintext[64..]], 32, [], Encoding.ASCII.GetBytes("adv_secret"));
        Assert.Equal(phoneSecret, advSecret);
    }

    private sealed class FixedRandom(byte[] bytes) : ISignalRandom
    {
        public void Fill(Span<byte> destination) => bytes.AsSpan(0, destination.Length).CopyTo(destination);
    }
}

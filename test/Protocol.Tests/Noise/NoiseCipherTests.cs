using System.Security.Cryptography;
using WaOrleans.Protocol.Noise;

namespace WaOrleans.Protocol.Tests.Noise;

public sealed class NoiseCipherTests
{
    [Fact]
    public void Frames_are_aes_gcm_with_8_zero_bytes_then_a_big_endian_counter_and_no_aad()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        using var cipher = new NoiseCipher(key);
        using var aes = new AesGcm(key, 16);

        for (var counter = 0; counter < 3; counter++)
        {
            var plaintext = RandomNumberGenerator.GetBytes(10 + counter);
            var nonce = new byte[12];
            nonce[11] = (byte)counter;
            var expected = new byte[plaintext.Length + 16];
            aes.Encrypt(nonce, plaintext, expected.AsSpan(0, plaintext.Length), expected.AsSpan(plaintext.Length));

            Assert.Equal(expected, cipher.Encrypt(plaintext));
        }

        Assert.Equal(3, cipher.Counter);
    }

    [Fact]
    public void A_failed_tag_does_not_advance_the_counter()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        using var sender = new NoiseCipher(key);
        using var receiver = new NoiseCipher(key);
        var ciphertext = sender.Encrypt("frame"u8);
        var tampered = (byte[])ciphertext.Clone();
        tampered[0] ^= 1;

        Assert.Equal(TransportErrorKind.DecryptFailed, Assert.Throws<TransportException>(() => receiver.Decrypt(tampered)).Kind);
        Assert.Equal(TransportErrorKind.DecryptFailed, Assert.Throws<TransportException>(() => receiver.Decrypt(new byte[15])).Kind);
        Assert.Equal(0, receiver.Counter);
        Assert.Equal("frame"u8.ToArray(), receiver.Decrypt(ciphertext));
    }

    [Fact]
    public void The_last_32_bit_counter_is_used_and_then_the_cipher_refuses_to_reuse_a_nonce()
    {
        using var cipher = new NoiseCipher(new byte[32], uint.MaxValue);

        cipher.Encrypt([1]);

        Assert.Equal(TransportErrorKind.CounterExhausted, Assert.Throws<TransportException>(() => cipher.Encrypt([2])).Kind);
    }

    [Fact]
    public void A_key_of_the_wrong_size_is_a_caller_mistake()
    {
        Assert.Throws<ArgumentException>(() => new NoiseCipher(new byte[16]));
    }
}

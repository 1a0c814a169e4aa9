using System.Security.Cryptography;
using Google.Protobuf;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Noise;
using WaOrleans.Protocol.Proto;
using WaOrleans.Protocol.Tests.Support;

namespace WaOrleans.Protocol.Tests.Noise;

public sealed class NoiseHandshakeTests
{
    // Recorded from Baileys rc14 (noise.clientVector) for the inputs in NoiseKnownAnswer.
    private const string ExpectedClientHello =
        "5741060300002412220a207b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13";

    private const string ExpectedClientFinish =
        "000061225f0a30b9cb19690dfcfb9a42e033388870388167c822982ffe1d4ef4c15a4d3e5d9d4131a9ef9d7adee77ec8651ff2"
        + "e2cb8716122b2b0a6a618107f2a0d3fcedb3917385db3223daefbf7db24ec656951c76519072b61f277045d37e89ca5f10";

    private const string ExpectedFirstFrame =
        "0000257df1fcadecd36b0fe80f54502b82bcc29396a29913fca9634314e680e0685a7785087b36b8";

    [Fact]
    public void The_state_starts_from_the_pattern_and_mixes_the_intro()
    {
        using var state = new NoiseHandshake();

        var expected = SHA256.HashData([.. "Noise_XX_25519_AESGCM_SHA256\0\0\0\0"u8, 0x57, 0x41, 0x06, 0x03]);
        Assert.Equal(expected, state.Hash.ToArray());
        Assert.Equal(32, NoiseConstants.NoiseStartPattern.Length);
    }

    [Fact]
    public void MixKey_is_rfc5869_hkdf_keyed_by_the_chaining_key_and_encrypt_uses_h_as_aad()
    {
        using var state = new NoiseHandshake();
        var ikm = RandomNumberGenerator.GetBytes(32);
        var h = state.Hash.ToArray();

        state.MixKey(ikm);
        var ciphertext = state.Encrypt("hello"u8);

        // HKDF by hand from HMAC (RFC 5869 §2.2-2.3), independent of the BCL's HKDF class.
        var prk = HMACSHA256.HashData(NoiseConstants.NoiseStartPattern.ToArray(), ikm);
        var t1 = HMACSHA256.HashData(prk, new byte[] { 0x01 });
        var t2 = HMACSHA256.HashData(prk, t1.Append((byte)0x02).ToArray());
        var expected = new byte[5 + 16];
        using (var aes = new AesGcm(t2, 16))
        {
            aes.Encrypt(new byte[12], "hello"u8, expected.AsSpan(0, 5), expected.AsSpan(5), h);
        }

        Assert.Equal(expected, ciphertext);
        Assert.Equal(SHA256.HashData([.. h, .. ciphertext]), state.Hash.ToArray());
    }

    [Fact]
    public void The_nonce_counter_restarts_after_MixKey_and_counts_8_plus_4()
    {
        using var a = new NoiseHandshake();
        using var b = new NoiseHandshake();
        a.MixKey([1]);
        b.MixKey([1]);

        var first = a.Encrypt([]);
        var second = a.Encrypt([]);
        Assert.True(b.TryDecrypt(first, out _));
        Assert.True(b.TryDecrypt(second, out _));
        Assert.False(b.TryDecrypt(second, out _));
    }

    [Fact]
    public void Initiator_and_responder_agree_on_keys_payload_and_static_key()
    {
        var server = TestServerIdentity.Create();
        var clientStatic = Curve25519.GenerateKeyPair();
        var payload = RandomNumberGenerator.GetBytes(300);
        using var initiator = new NoiseInitiator(Curve25519.GenerateKeyPair());
        using var responder = new NoiseResponder(Curve25519.GenerateKeyPair());

        responder.ReadClientHello(initiator.WriteClientHello());
        var chain = initiator.ReadServerHello(responder.WriteServerHello(server.ServerStatic, server.Chain), server.Root.PublicKey, DateTimeOffset.UtcNow);
        var finish = responder.ReadClientFinish(initiator.WriteClientFinish(clientStatic, payload));
        using var client = initiator.Split();
        using var serverCiphers = responder.Split();

        Assert.Equal(server.ServerStatic.PublicKeyBytes(), chain.Leaf.Key.ToArray());
        Assert.Equal(clientStatic.PublicKeyBytes(), finish.StaticKey);
        Assert.Equal(payload, finish.Payload);
        Assert.Equal("up"u8.ToArray(), serverCiphers.Receive.Decrypt(client.Send.Encrypt("up"u8)));
        Assert.Equal("down"u8.ToArray(), client.Receive.Decrypt(serverCiphers.Send.Encrypt("down"u8)));
    }

    [Fact]
    public void The_initiator_reproduces_the_bytes_Baileys_sends_for_fixed_keys()
    {
        var transcript = NoiseKnownAnswer.Run();

        Assert.Equal(ExpectedClientHello, Convert.ToHexStringLower(transcript.ClientHello));
        Assert.Equal(ExpectedClientFinish, Convert.ToHexStringLower(transcript.ClientFinish));
        Assert.Equal(ExpectedFirstFrame, Convert.ToHexStringLower(transcript.FirstFrame));
    }

    [Fact]
    public void Replaying_the_same_keys_gives_the_same_bytes()
    {
        var first = NoiseKnownAnswer.Run();
        var second = NoiseKnownAnswer.Run();

        Assert.Equal(first.ServerHello, second.ServerHello);
        Assert.Equal(first.ClientFinish, second.ClientFinish);
        Assert.Equal(first.FirstFrame, second.FirstFrame);
    }

    [Theory]
    [InlineData("static", "failed to decrypt server static ciphertext")]
    [InlineData("payload", "failed to decrypt noise certificate ciphertext")]
    public void A_tampered_server_hello_names_the_failed_step(string field, string message)
    {
        var server = TestServerIdentity.Create();
        using var initiator = new NoiseInitiator(Curve25519.GenerateKeyPair());
        using var responder = new NoiseResponder(Curve25519.GenerateKeyPair());
        responder.ReadClientHello(initiator.WriteClientHello());
        var hello = HandshakeMessage.Parser.ParseFrom(responder.WriteServerHello(server.ServerStatic, server.Chain));
        if (field == "static")
        {
            hello.ServerHello.Static = Flip(hello.ServerHello.Static);
        }
        else
        {
            hello.ServerHello.Payload = Flip(hello.ServerHello.Payload);
        }

        var ex = Assert.Throws<NoiseHandshakeException>(() => initiator.ReadServerHello(hello.ToByteArray(), server.Root.PublicKey, DateTimeOffset.UtcNow));

        Assert.Equal(message, ex.Message);
    }

    [Theory]
    [InlineData("static", "failed to decrypt client static ciphertext")]
    [InlineData("payload", "failed to decrypt client payload ciphertext")]
    public void A_tampered_client_finish_names_the_failed_step(string field, string message)
    {
        var server = TestServerIdentity.Create();
        using var initiator = new NoiseInitiator(Curve25519.GenerateKeyPair());
        using var responder = new NoiseResponder(Curve25519.GenerateKeyPair());
        responder.ReadClientHello(initiator.WriteClientHello());
        initiator.ReadServerHello(responder.WriteServerHello(server.ServerStatic, server.Chain), server.Root.PublicKey, DateTimeOffset.UtcNow);
        var finish = HandshakeMessage.Parser.ParseFrom(initiator.WriteClientFinish(Curve25519.GenerateKeyPair(), [1, 2, 3]));
        if (field == "static")
        {
            finish.ClientFinish.Static = Flip(finish.ClientFinish.Static);
        }
        else
        {
            finish.ClientFinish.Payload = Flip(finish.ClientFinish.Payload);
        }

        var ex = Assert.Throws<NoiseHandshakeException>(() => responder.ReadClientFinish(finish.ToByteArray()));

        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void Malformed_and_incomplete_server_hellos_are_rejected()
    {
        using var garbage = new NoiseInitiator(Curve25519.GenerateKeyPair());
        garbage.WriteClientHello();
        var ex = Assert.Throws<NoiseHandshakeException>(() => garbage.ReadServerHello([0xFF, 0xFF], NoiseConstants.WhatsAppRootKey, DateTimeOffset.UtcNow));
        Assert.Equal("failed to unmarshal handshake response", ex.Message);
        Assert.IsType<InvalidProtocolBufferException>(ex.InnerException);

        using var empty = new NoiseInitiator(Curve25519.GenerateKeyPair());
        empty.WriteClientHello();
        ex = Assert.Throws<NoiseHandshakeException>(() => empty.ReadServerHello(new HandshakeMessage().ToByteArray(), NoiseConstants.WhatsAppRootKey, DateTimeOffset.UtcNow));
        Assert.Equal("missing parts of handshake response", ex.Message);
    }

    [Fact]
    public void A_low_order_server_ephemeral_key_is_rejected()
    {
        using var initiator = new NoiseInitiator(Curve25519.GenerateKeyPair());
        initiator.WriteClientHello();
        var hello = new HandshakeMessage
        {
            ServerHello = new HandshakeMessage.Types.ServerHello
            {
                Ephemeral = ByteString.CopyFrom(new byte[32]),
                Static = ByteString.CopyFrom(new byte[48]),
                Payload = ByteString.CopyFrom(new byte[48]),
            },
        };

        var ex = Assert.Throws<NoiseHandshakeException>(() => initiator.ReadServerHello(hello.ToByteArray(), NoiseConstants.WhatsAppRootKey, DateTimeOffset.UtcNow));

        Assert.Equal("failed to mix server ephemeral key in", ex.Message);
        Assert.IsType<CryptoException>(ex.InnerException);
    }

    [Fact]
    public void Steps_out_of_order_are_caller_mistakes()
    {
        using var initiator = new NoiseInitiator(Curve25519.GenerateKeyPair());
        using var responder = new NoiseResponder(Curve25519.GenerateKeyPair());

        Assert.Throws<InvalidOperationException>(() => initiator.WriteClientFinish(Curve25519.GenerateKeyPair(), []));
        Assert.Throws<InvalidOperationException>(() => responder.Split());
        initiator.WriteClientHello();
        Assert.Throws<InvalidOperationException>(() => initiator.WriteClientHello());
    }

    [Fact]
    public void Nothing_prints_key_material()
    {
        var pair = Curve25519.GenerateKeyPair();
        using var state = new NoiseHandshake();
        using var initiator = new NoiseInitiator(pair);
        using var cipher = new NoiseCipher(new byte[32]);
        var options = new NoiseClientOptions { StaticKey = pair, ClientPayload = new byte[10] };
        var privateHex = Convert.ToHexStringLower(pair.PrivateKey);

        foreach (var text in new[] { state.ToString(), initiator.ToString(), cipher.ToString(), options.ToString() })
        {
            Assert.DoesNotContain(privateHex, text, StringComparison.Ordinal);
            Assert.DoesNotContain(privateHex[..8], text, StringComparison.Ordinal);
        }
    }

    private static ByteString Flip(ByteString bytes)
    {
        var copy = bytes.ToByteArray();
        copy[0] ^= 0x01;
        return ByteString.CopyFrom(copy);
    }
}

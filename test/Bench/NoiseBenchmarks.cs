using BenchmarkDotNet.Attributes;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Noise;

namespace WaOrleans.Bench;

/// <summary>
/// The Noise transport's per-frame cost without I/O: one 1 KiB frame encrypted by the client and
/// decrypted by the server, on ciphers from a real handshake. Compare with
/// <c>test/Interop/bench/noise.mjs</c> (Baileys' aesEncryptGCM/aesDecryptGCM with the 8+4 IV).
/// </summary>
/// <remarks>Not sealed: BenchmarkDotNet generates a subclass of each benchmark type.</remarks>
[MemoryDiagnoser]
public class NoiseBenchmarks
{
    /// <summary>A typical stanza-sized frame.</summary>
    private const int FrameSize = 1024;

    private readonly byte[] _plaintext = new byte[FrameSize];
    private readonly byte[] _ciphertext = new byte[NoiseCipher.GetCiphertextLength(FrameSize)];
    private readonly byte[] _decrypted = new byte[FrameSize];
    private NoiseCipherPair _client = null!;
    private NoiseCipherPair _server = null!;

    /// <summary>Runs a handshake in memory and keeps both sides' transport ciphers.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var root = Curve25519.GenerateKeyPair();
        var serverStatic = Curve25519.GenerateKeyPair();
        var chain = CertificateChainBuilder.CreateChain(
            root, Curve25519.GenerateKeyPair(), serverStatic.PublicKey, DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue);
        using var initiator = new NoiseInitiator(Curve25519.GenerateKeyPair());
        using var responder = new NoiseResponder(Curve25519.GenerateKeyPair());
        responder.ReadClientHello(initiator.WriteClientHello());
        initiator.ReadServerHello(responder.WriteServerHello(serverStatic, chain), root.PublicKey, DateTimeOffset.UtcNow);
        responder.ReadClientFinish(initiator.WriteClientFinish(Curve25519.GenerateKeyPair(), [1]));
        _client = initiator.Split();
        _server = responder.Split();
        Random.Shared.NextBytes(_plaintext);
    }

    /// <summary>Encrypts one 1 KiB frame on the client and decrypts it on the server.</summary>
    [Benchmark(Description = "noise.transport")]
    public void Transport()
    {
        _client.Send.Encrypt(_plaintext, _ciphertext);
        _server.Receive.Decrypt(_ciphertext, _decrypted);
    }

    /// <summary>Releases the ciphers.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _server.Dispose();
    }
}

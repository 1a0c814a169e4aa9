using BenchmarkDotNet.Attributes;
using WaOrleans.Protocol.Crypto;

namespace WaOrleans.Bench;

/// <summary>
/// Curve25519 agreement and libsignal-style signatures. Compare with
/// <c>test/Interop/bench/curve.mjs</c> (libsignal-node's calculateAgreement, calculateSignature,
/// verifySignature).
/// </summary>
/// <remarks>Not sealed: BenchmarkDotNet generates a subclass of each benchmark type.</remarks>
[MemoryDiagnoser]
public class CurveBenchmarks
{
    /// <summary>About the size of what WA signs most: a prefixed key, an ADV details blob.</summary>
    private const int MessageSize = 100;

    private readonly byte[] _message = new byte[MessageSize];
    private readonly byte[] _shared = new byte[Curve25519.KeySize];
    private readonly byte[] _signatureOut = new byte[Curve25519.SignatureSize];
    private KeyPair _ours = null!;
    private KeyPair _theirs = null!;
    private byte[] _signature = null!;

    /// <summary>Creates a fixed pair of key pairs, a message and its signature.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _ours = Curve25519.GenerateKeyPair();
        _theirs = Curve25519.GenerateKeyPair();
        Random.Shared.NextBytes(_message);
        _signature = Curve25519.Sign(_ours.PrivateKey, _message);
    }

    /// <summary>Computes the X25519 agreement of our private key and their public key.</summary>
    [Benchmark(Description = "x25519.agree")]
    public void Agree() => Curve25519.SharedKey(_ours.PrivateKey, _theirs.PublicKey, _shared);

    /// <summary>Signs a 100-byte message.</summary>
    [Benchmark(Description = "curve.sign")]
    public void Sign() => Curve25519.Sign(_ours.PrivateKey, _message, _signatureOut);

    /// <summary>Verifies a signature over a 100-byte message.</summary>
    [Benchmark(Description = "curve.verify")]
    public bool Verify() => Curve25519.Verify(_ours.PublicKey, _message, _signature);
}

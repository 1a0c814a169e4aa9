using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Noise;

namespace WaOrleans.Protocol.Tests.Support;

/// <summary>A test server identity: a root we pin, a server static key, and a chain from one to the other.</summary>
public sealed class TestServerIdentity
{
    private TestServerIdentity(KeyPair root, KeyPair intermediate, KeyPair serverStatic, byte[] chain)
    {
        Root = root;
        Intermediate = intermediate;
        ServerStatic = serverStatic;
        Chain = chain;
    }

    /// <summary>Gets the root key pair clients pin.</summary>
    public KeyPair Root { get; }

    /// <summary>Gets the intermediate key pair.</summary>
    public KeyPair Intermediate { get; }

    /// <summary>Gets the server's Noise static key pair.</summary>
    public KeyPair ServerStatic { get; }

    /// <summary>Gets the serialized chain (valid for a day either side of creation).</summary>
    public byte[] Chain { get; }

    /// <summary>Creates fresh keys and a chain valid around now.</summary>
    public static TestServerIdentity Create()
    {
        var root = Curve25519.GenerateKeyPair();
        var intermediate = Curve25519.GenerateKeyPair();
        var serverStatic = Curve25519.GenerateKeyPair();
        var now = DateTimeOffset.UtcNow;
        var chain = CertificateChainBuilder.CreateChain(root, intermediate, serverStatic.PublicKey, now.AddDays(-1), now.AddDays(1));
        return new TestServerIdentity(root, intermediate, serverStatic, chain);
    }

    /// <summary>Returns server options for this identity.</summary>
    public NoiseServerOptions ServerOptions() => new() { StaticKey = ServerStatic, CertificateChain = Chain };

    /// <summary>Returns client options pinning this identity's root, with a fresh client static key.</summary>
    public NoiseClientOptions ClientOptions(TimeSpan? handshakeTimeout = null, TimeProvider? time = null) => new()
    {
        StaticKey = Curve25519.GenerateKeyPair(),
        ClientPayload = "client payload"u8.ToArray(),
        RootKey = Root.PublicKeyBytes(),
        HandshakeTimeout = handshakeTimeout ?? NoiseConstants.HandshakeTimeout,
        TimeProvider = time ?? TimeProvider.System,
    };
}

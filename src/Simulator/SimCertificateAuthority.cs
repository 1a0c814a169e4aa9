using System.Text.Json;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Noise;

namespace WaOrleans.Simulator;

/// <summary>
/// The simulator's test CA (PROTOCOL.md §1.4, §10.1): a root, an intermediate, and the server's
/// Noise static key certified by the leaf. Clients pin <see cref="RootPublicKey"/> instead of WhatsApp's root.
/// </summary>
/// <remarks><see cref="ToString"/> names the root by its public key only; private keys never leave the data file.</remarks>
internal sealed class SimCertificateAuthority
{
    /// <summary>The file under the data directory that keeps the three key pairs across restarts.</summary>
    private const string FileName = "wasim-ca.json";

    /// <summary>How far back the chain's validity starts, so a client clock slightly behind ours still accepts it.</summary>
    private static readonly TimeSpan ValidityLeeway = TimeSpan.FromDays(1);

    /// <summary>How long the chain stays valid; far beyond any test run or demo session.</summary>
    private static readonly TimeSpan ValidityLength = TimeSpan.FromDays(3650);

    private readonly KeyPair _root;
    private readonly KeyPair _intermediate;

    private SimCertificateAuthority(KeyPair root, KeyPair intermediate, KeyPair serverStatic, DateTimeOffset now)
    {
        _root = root;
        _intermediate = intermediate;
        ServerStatic = serverStatic;
        Chain = CertificateChainBuilder.CreateChain(
            root, intermediate, serverStatic.PublicKey, now - ValidityLeeway, now + ValidityLength);
    }

    /// <summary>Gets the root public key clients must trust.</summary>
    public ReadOnlySpan<byte> RootPublicKey => _root.PublicKey;

    /// <summary>Gets the server's Noise static key pair (the leaf's key).</summary>
    public KeyPair ServerStatic { get; }

    /// <summary>Gets the serialized CertChain sent in every server hello.</summary>
    public byte[] Chain { get; }

    /// <summary>Loads the CA from <paramref name="dataDirectory"/>, creating and saving it on first use; a null directory gives a fresh in-memory CA.</summary>
    public static SimCertificateAuthority LoadOrCreate(string? dataDirectory, DateTimeOffset now)
    {
        if (dataDirectory is null)
        {
            return Create(now);
        }

        var path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            var stored = JsonSerializer.Deserialize<StoredKeys>(File.ReadAllText(path))
                ?? throw new InvalidDataException($"{path} is empty");
            return new SimCertificateAuthority(
                Curve25519.FromPrivateKey(Convert.FromBase64String(stored.Root)),
                Curve25519.FromPrivateKey(Convert.FromBase64String(stored.Intermediate)),
                Curve25519.FromPrivateKey(Convert.FromBase64String(stored.ServerStatic)),
                now);
        }

        var created = Create(now);
        Directory.CreateDirectory(dataDirectory);
        var keys = new StoredKeys(
            Convert.ToBase64String(created._root.PrivateKey),
            Convert.ToBase64String(created._intermediate.PrivateKey),
            Convert.ToBase64String(created.ServerStatic.PrivateKey));
        File.WriteAllText(path, JsonSerializer.Serialize(keys));
        if (!OperatingSystem.IsWindows())
        {
            // The file holds private keys: keep it readable by its owner only.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return created;
    }

    /// <summary>Describes the CA by the start of its root public key.</summary>
    public override string ToString() => $"SimCertificateAuthority(root {Convert.ToHexStringLower(_root.PublicKey[..4])}…)";

    private static SimCertificateAuthority Create(DateTimeOffset now) =>
        new(Curve25519.GenerateKeyPair(), Curve25519.GenerateKeyPair(), Curve25519.GenerateKeyPair(), now);

    private sealed record StoredKeys(string Root, string Intermediate, string ServerStatic);
}

using Google.Protobuf;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Proto;
using CertDetails = WaOrleans.Protocol.Proto.CertChain.Types.NoiseCertificate.Types.Details;

namespace WaOrleans.Protocol.Noise;

/// <summary>
/// Creates a server certificate chain (root → intermediate → leaf) signed with our own keys, for
/// the simulator and tests, which cannot sign with WhatsApp's root: clients under test pin
/// <see cref="Root"/>'s public key instead (PROTOCOL.md §1.4, §10.1).
/// </summary>
/// <remarks>
/// The defaults give a chain <see cref="CertificateVerifier"/> accepts; a <c>with</c> expression
/// bends one property to produce a specific defect. Signatures are deterministic, so equal inputs
/// give equal bytes.
/// </remarks>
public sealed record CertificateChainBuilder
{
    /// <summary>Gets the root key pair, which signs the intermediate's details.</summary>
    public required KeyPair Root { get; init; }

    /// <summary>Gets the intermediate key pair, whose public key the intermediate certifies.</summary>
    public required KeyPair Intermediate { get; init; }

    /// <summary>Gets the server's Noise static public key, which the leaf certifies.</summary>
    public required ReadOnlyMemory<byte> LeafKey { get; init; }

    /// <summary>Gets the key pair that signs the leaf; <see langword="null"/> (the default) means <see cref="Intermediate"/>.</summary>
    public KeyPair? LeafSigner { get; init; }

    /// <summary>Gets the intermediate's serial (default 1).</summary>
    public uint IntermediateSerial { get; init; } = 1;

    /// <summary>Gets the intermediate's issuer serial (default the root's, 0).</summary>
    public uint IntermediateIssuerSerial { get; init; } = NoiseConstants.RootIssuerSerial;

    /// <summary>Gets the leaf's serial (default 2).</summary>
    public uint LeafSerial { get; init; } = 2;

    /// <summary>Gets the leaf's issuer serial; <see langword="null"/> (the default) means <see cref="IntermediateSerial"/>.</summary>
    public uint? LeafIssuerSerial { get; init; }

    /// <summary>Gets the start of the intermediate's validity window (default the Unix epoch).</summary>
    public DateTimeOffset IntermediateNotBefore { get; init; } = DateTimeOffset.UnixEpoch;

    /// <summary>Gets the end of the intermediate's validity window (default <see cref="DateTimeOffset.MaxValue"/>).</summary>
    public DateTimeOffset IntermediateNotAfter { get; init; } = DateTimeOffset.MaxValue;

    /// <summary>Gets the start of the leaf's validity window (default the Unix epoch).</summary>
    public DateTimeOffset LeafNotBefore { get; init; } = DateTimeOffset.UnixEpoch;

    /// <summary>Gets the end of the leaf's validity window (default <see cref="DateTimeOffset.MaxValue"/>).</summary>
    public DateTimeOffset LeafNotAfter { get; init; } = DateTimeOffset.MaxValue;

    /// <summary>Builds a chain valid from <paramref name="notBefore"/> to <paramref name="notAfter"/> with default serials.</summary>
    public static byte[] CreateChain(
        KeyPair root, KeyPair intermediate, ReadOnlySpan<byte> leafKey, DateTimeOffset notBefore, DateTimeOffset notAfter) =>
        new CertificateChainBuilder
        {
            Root = root,
            Intermediate = intermediate,
            LeafKey = leafKey.ToArray(),
            IntermediateNotBefore = notBefore,
            IntermediateNotAfter = notAfter,
            LeafNotBefore = notBefore,
            LeafNotAfter = notAfter,
        }.Build();

    /// <summary>Serializes and signs the chain and returns the <c>CertChain</c> bytes the server encrypts into its hello.</summary>
    public byte[] Build()
    {
        var intermediateDetails = new CertDetails
        {
            Serial = IntermediateSerial,
            IssuerSerial = IntermediateIssuerSerial,
            Key = ByteString.CopyFrom(Intermediate.PublicKey),
            NotBefore = ToUnixSeconds(IntermediateNotBefore),
            NotAfter = ToUnixSeconds(IntermediateNotAfter),
        }.ToByteArray();
        var leafDetails = new CertDetails
        {
            Serial = LeafSerial,
            IssuerSerial = LeafIssuerSerial ?? IntermediateSerial,
            Key = ByteString.CopyFrom(LeafKey.Span),
            NotBefore = ToUnixSeconds(LeafNotBefore),
            NotAfter = ToUnixSeconds(LeafNotAfter),
        }.ToByteArray();

        return new CertChain
        {
            Intermediate = Certificate(intermediateDetails, Root),
            Leaf = Certificate(leafDetails, LeafSigner ?? Intermediate),
        }.ToByteArray();
    }

    private static CertChain.Types.NoiseCertificate Certificate(byte[] details, KeyPair signer) => new()
    {
        Details = ByteString.CopyFrom(details),
        Signature = ByteString.CopyFrom(Curve25519.Sign(signer.PrivateKey, details)),
    };

    private static ulong ToUnixSeconds(DateTimeOffset time)
    {
        var seconds = time.ToUnixTimeSeconds();
        if (seconds < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(time), time, "certificate times cannot precede the Unix epoch");
        }

        return (ulong)seconds;
    }
}

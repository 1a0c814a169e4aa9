using System.Security.Cryptography;
using Google.Protobuf;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Proto;
using CertDetails = WaOrleans.Protocol.Proto.CertChain.Types.NoiseCertificate.Types.Details;

namespace WaOrleans.Protocol.Noise;

/// <summary>
/// Verifies the certificate chain a server sends in its hello (PROTOCOL.md §1.4): root →
/// intermediate → leaf, where the leaf certifies the server's Noise static key.
/// </summary>
/// <remarks>
/// Performs every check whatsmeow does, in its order. Baileys rc14 checks only that the parts
/// exist and the intermediate's issuer serial, because its signature check cannot fail; this one
/// really verifies, so a simulator must sign its chain with a root the client pins.
/// </remarks>
public static class CertificateVerifier
{
    /// <summary>
    /// Checks a serialized <c>CertChain</c> against a pinned root key, the server static key the
    /// handshake decrypted, and the current time, and returns the parsed certificates.
    /// </summary>
    /// <param name="certificateChain">The decrypted serverHello payload.</param>
    /// <param name="serverStaticKey">The decrypted server static public key (32 bytes).</param>
    /// <param name="rootKey">The root public key to trust (<see cref="NoiseConstants.WhatsAppRootKey"/> for the real server).</param>
    /// <param name="now">The current time, for both certificates' validity windows.</param>
    /// <exception cref="NoiseCertificateException">A check failed; <see cref="NoiseCertificateException.Reason"/> says which.</exception>
    public static ServerCertificateChain Verify(
        ReadOnlySpan<byte> certificateChain, ReadOnlySpan<byte> serverStaticKey, ReadOnlySpan<byte> rootKey, DateTimeOffset now)
    {
        if (rootKey.Length != Curve25519.KeySize)
        {
            throw new ArgumentException($"expected a {Curve25519.KeySize}-byte root key, got {rootKey.Length}", nameof(rootKey));
        }

        var chain = Parse(CertChain.Parser, certificateChain, "failed to unmarshal noise certificate");
        if (chain.Intermediate is not { HasDetails: true, HasSignature: true } intermediate
            || chain.Leaf is not { HasDetails: true, HasSignature: true } leaf)
        {
            throw Fail(CertificateError.MissingPart, "missing parts of noise certificate");
        }

        RequireSignatureLength(intermediate.Signature, "intermediate");
        RequireSignatureLength(leaf.Signature, "leaf");
        if (!Curve25519.Verify(rootKey, intermediate.Details.Span, intermediate.Signature.Span))
        {
            throw Fail(CertificateError.IntermediateSignatureInvalid, "failed to verify intermediate cert signature");
        }

        var intermediateDetails = Parse(CertDetails.Parser, intermediate.Details.Span, "failed to unmarshal intermediate cert details");
        if (intermediateDetails.IssuerSerial != NoiseConstants.RootIssuerSerial)
        {
            throw Fail(CertificateError.IntermediateIssuerMismatch,
                $"unexpected intermediate issuer serial {intermediateDetails.IssuerSerial} (expected {NoiseConstants.RootIssuerSerial})");
        }

        if (intermediateDetails.Key.Length != Curve25519.KeySize)
        {
            throw Fail(CertificateError.BadKeyLength,
                $"unexpected length of intermediate cert key {intermediateDetails.Key.Length} (expected {Curve25519.KeySize})");
        }

        if (!Curve25519.Verify(intermediateDetails.Key.Span, leaf.Details.Span, leaf.Signature.Span))
        {
            throw Fail(CertificateError.LeafSignatureInvalid, "failed to verify leaf cert signature");
        }

        var intermediateInfo = ToInfo(intermediateDetails);
        CheckValidity(intermediateInfo, now, CertificateError.IntermediateNotYetValid, CertificateError.IntermediateExpired, "intermediate");

        var leafDetails = Parse(CertDetails.Parser, leaf.Details.Span, "failed to unmarshal leaf cert details");
        if (leafDetails.IssuerSerial != intermediateDetails.Serial)
        {
            throw Fail(CertificateError.LeafIssuerMismatch,
                $"unexpected leaf issuer serial {leafDetails.IssuerSerial} (expected {intermediateDetails.Serial})");
        }

        if (!CryptographicOperations.FixedTimeEquals(leafDetails.Key.Span, serverStaticKey))
        {
            throw Fail(CertificateError.LeafKeyMismatch, "cert key doesn't match decrypted static");
        }

        var leafInfo = ToInfo(leafDetails);
        CheckValidity(leafInfo, now, CertificateError.LeafNotYetValid, CertificateError.LeafExpired, "leaf");
        return new ServerCertificateChain(intermediateInfo, leafInfo);
    }

    /// <summary>Converts a certificate timestamp (Unix seconds) to a <see cref="DateTimeOffset"/>, saturating far-future values.</summary>
    internal static DateTimeOffset FromUnixSeconds(ulong seconds) =>
        seconds > (ulong)DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            ? DateTimeOffset.MaxValue
            : DateTimeOffset.FromUnixTimeSeconds((long)seconds);

    private static T Parse<T>(MessageParser<T> parser, ReadOnlySpan<byte> bytes, string step)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw Fail(CertificateError.Malformed, step, ex);
        }
    }

    private static void RequireSignatureLength(ByteString signature, string which)
    {
        if (signature.Length != Curve25519.SignatureSize)
        {
            throw Fail(CertificateError.BadSignatureLength,
                $"unexpected length of {which} cert signature {signature.Length} (expected {Curve25519.SignatureSize})");
        }
    }

    private static NoiseCertificateInfo ToInfo(CertDetails details) => new(
        details.Serial,
        details.IssuerSerial,
        details.Key.ToByteArray(),
        FromUnixSeconds(details.NotBefore),
        FromUnixSeconds(details.NotAfter));

    private static void CheckValidity(
        NoiseCertificateInfo info, DateTimeOffset now, CertificateError notYetValid, CertificateError expired, string which)
    {
        if (now < info.NotBefore)
        {
            throw Fail(notYetValid, $"{which} cert not valid yet (current time {now:O} is before {info.NotBefore:O})");
        }

        if (now > info.NotAfter)
        {
            throw Fail(expired, $"{which} cert expired (current time {now:O} is after {info.NotAfter:O})");
        }
    }

    private static NoiseCertificateException Fail(CertificateError reason, string message, Exception? inner = null) =>
        new(reason, message, inner);
}

/// <summary>One verified certificate of the server's chain.</summary>
/// <param name="Serial">The certificate's serial.</param>
/// <param name="IssuerSerial">The serial of the certificate that signed it (0 for the root).</param>
/// <param name="Key">The certified 32-byte public key.</param>
/// <param name="NotBefore">The start of the validity window.</param>
/// <param name="NotAfter">The end of the validity window.</param>
public sealed record NoiseCertificateInfo(
    uint Serial, uint IssuerSerial, ReadOnlyMemory<byte> Key, DateTimeOffset NotBefore, DateTimeOffset NotAfter);

/// <summary>The server's verified certificate chain, as the client saw it in the handshake.</summary>
/// <param name="Intermediate">The intermediate certificate, signed by the root.</param>
/// <param name="Leaf">The leaf certificate, signed by the intermediate, certifying the server static key.</param>
public sealed record ServerCertificateChain(NoiseCertificateInfo Intermediate, NoiseCertificateInfo Leaf);

using System.Security.Cryptography;

namespace WaOrleans.Simulator;

/// <summary>What clients need to trust the media host's self-signed certificate, and nothing more.</summary>
public sealed partial class WaSimServer
{
    /// <summary>Gets the SHA-256 of the media host's certificate, for a client to pin instead of trusting any certificate.</summary>
    public ReadOnlyMemory<byte> MediaCertificateSha256 => _mediaCertificate.GetCertHash(HashAlgorithmName.SHA256);
}

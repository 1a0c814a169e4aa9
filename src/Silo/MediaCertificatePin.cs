using System.Net.Security;
using System.Security.Cryptography;

namespace WaOrleans.Silo;

/// <summary>Accepts a media host's certificate that passes the normal checks or matches a pinned SHA-256 (a self-signed WaSim).</summary>
internal static class MediaCertificatePin
{
    /// <summary>Creates the validation callback for <paramref name="sha256Hex"/>.</summary>
    public static RemoteCertificateValidationCallback Create(string sha256Hex)
    {
        var pin = Convert.FromHexString(sha256Hex);
        return (_, certificate, _, errors) => errors == SslPolicyErrors.None
            || (certificate is not null && CryptographicOperations.FixedTimeEquals(certificate.GetCertHash(HashAlgorithmName.SHA256), pin));
    }
}

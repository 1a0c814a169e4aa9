namespace WaOrleans.Protocol.Noise;

/// <summary>
/// The root of the Noise layer's errors: <see cref="NoiseHandshakeException"/> for a failed
/// handshake step (including <see cref="NoiseCertificateException"/>) and
/// <see cref="TransportException"/> for framing, decryption and closed-socket errors after it.
/// </summary>
/// <remarks>Caller mistakes (a wrong key length, a call out of order) raise standard
/// <see cref="ArgumentException"/>s and <see cref="InvalidOperationException"/>s instead.</remarks>
public abstract class NoiseException : Exception
{
    /// <summary>Creates the exception with a message naming the failed step.</summary>
    protected NoiseException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    protected NoiseException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with no message (serialization and tooling).</summary>
    protected NoiseException()
    {
    }
}

/// <summary>
/// A step of the Noise handshake failed; the message names it ("failed to decrypt server static
/// ciphertext") and <see cref="Exception.InnerException"/> keeps the cause.
/// </summary>
/// <remarks>Not sealed: <see cref="NoiseCertificateException"/> is a handshake failure too, so a
/// caller catching this type also sees a rejected certificate chain.</remarks>
public class NoiseHandshakeException : NoiseException
{
    /// <summary>Creates the exception with a message naming the failed step.</summary>
    public NoiseHandshakeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message naming the failed step and its cause.</summary>
    public NoiseHandshakeException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with no message (serialization and tooling).</summary>
    public NoiseHandshakeException()
    {
    }
}

/// <summary>Why a server certificate chain was rejected (see <see cref="CertificateVerifier"/>).</summary>
public enum CertificateError
{
    /// <summary>The chain or a certificate's details did not parse as protobuf.</summary>
    Malformed,

    /// <summary>The leaf or intermediate, or one of their details or signatures, is missing.</summary>
    MissingPart,

    /// <summary>A signature is not 64 bytes.</summary>
    BadSignatureLength,

    /// <summary>A certificate's key is not 32 bytes.</summary>
    BadKeyLength,

    /// <summary>The intermediate is not signed by the pinned root key.</summary>
    IntermediateSignatureInvalid,

    /// <summary>The intermediate's issuer serial is not the root's (0).</summary>
    IntermediateIssuerMismatch,

    /// <summary>The leaf is not signed by the intermediate's key.</summary>
    LeafSignatureInvalid,

    /// <summary>The leaf's issuer serial is not the intermediate's serial.</summary>
    LeafIssuerMismatch,

    /// <summary>The leaf's key is not the server static key the handshake decrypted.</summary>
    LeafKeyMismatch,

    /// <summary>The intermediate's notBefore is still in the future.</summary>
    IntermediateNotYetValid,

    /// <summary>The intermediate's notAfter has passed.</summary>
    IntermediateExpired,

    /// <summary>The leaf's notBefore is still in the future.</summary>
    LeafNotYetValid,

    /// <summary>The leaf's notAfter has passed.</summary>
    LeafExpired,
}

/// <summary>The server's certificate chain failed verification; <see cref="Reason"/> says which check.</summary>
public sealed class NoiseCertificateException : NoiseHandshakeException
{
    /// <summary>Creates the exception for a failed check with a message describing it.</summary>
    public NoiseCertificateException(CertificateError reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    /// <summary>Creates the exception with a message (reason <see cref="CertificateError.Malformed"/>).</summary>
    public NoiseCertificateException(string message)
        : this(CertificateError.Malformed, message)
    {
    }

    /// <summary>Creates the exception with a message and a cause (reason <see cref="CertificateError.Malformed"/>).</summary>
    public NoiseCertificateException(string message, Exception? innerException)
        : this(CertificateError.Malformed, message, innerException)
    {
    }

    /// <summary>Creates the exception with no message (serialization and tooling).</summary>
    public NoiseCertificateException()
    {
    }

    /// <summary>Gets the check that failed.</summary>
    public CertificateError Reason { get; }
}

/// <summary>What went wrong on an established (or establishing) framed connection.</summary>
public enum TransportErrorKind
{
    /// <summary>The connection is closed (locally, or by the peer in the middle of a frame).</summary>
    Closed,

    /// <summary>A frame length is at or above the allowed maximum; nothing was allocated for it.</summary>
    FrameTooLarge,

    /// <summary>The first bytes from a client were not the <c>WA 06 03</c> intro.</summary>
    InvalidIntro,

    /// <summary>A transport frame failed AES-GCM authentication (tampered, reordered or wrong key).</summary>
    DecryptFailed,

    /// <summary>The 32-bit nonce counter would wrap, which would reuse a nonce.</summary>
    CounterExhausted,

    /// <summary>The underlying transport broke or sent something other than binary data.</summary>
    TransportFailed,
}

/// <summary>Framing, decryption or I/O failed on a Noise connection; <see cref="Kind"/> classifies it.</summary>
public sealed class TransportException : NoiseException
{
    /// <summary>Creates the exception of a kind with a message naming the failed step.</summary>
    public TransportException(TransportErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    /// <summary>Creates the exception with a message (kind <see cref="TransportErrorKind.TransportFailed"/>).</summary>
    public TransportException(string message)
        : this(TransportErrorKind.TransportFailed, message)
    {
    }

    /// <summary>Creates the exception with a message and a cause (kind <see cref="TransportErrorKind.TransportFailed"/>).</summary>
    public TransportException(string message, Exception? innerException)
        : this(TransportErrorKind.TransportFailed, message, innerException)
    {
    }

    /// <summary>Creates the exception with no message (serialization and tooling).</summary>
    public TransportException()
    {
    }

    /// <summary>Gets what kind of failure this is.</summary>
    public TransportErrorKind Kind { get; }
}

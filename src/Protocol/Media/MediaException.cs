namespace WaOrleans.Protocol.Media;

/// <summary>Why a media blob was refused or could not be fetched or stored.</summary>
public enum MediaErrorKind
{
    /// <summary>The blob is too short to hold a ciphertext block and its MAC, or not whole blocks.</summary>
    Truncated,

    /// <summary>The SHA-256 of the encrypted blob is not the message's <c>fileEncSha256</c>.</summary>
    EncryptedHashMismatch,

    /// <summary>The HMAC over IV and ciphertext does not match the blob's MAC.</summary>
    MacMismatch,

    /// <summary>The ciphertext does not decrypt (bad PKCS7 padding) although its MAC verified.</summary>
    BadPadding,

    /// <summary>The SHA-256 of the plaintext is not the message's <c>fileSha256</c>.</summary>
    PlaintextHashMismatch,

    /// <summary>The message carries no media, or not enough to fetch it (media key, path).</summary>
    NotMedia,

    /// <summary>The media host refused the upload or download, or could not be reached.</summary>
    Transfer,
}

/// <summary>A media blob failed verification or transfer; <see cref="Kind"/> says which step.</summary>
public sealed class MediaException : Exception
{
    /// <summary>Creates the exception for a failed step.</summary>
    public MediaException(MediaErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException) => Kind = kind;

    /// <summary>Creates the exception with a message.</summary>
    public MediaException(string message)
        : this(MediaErrorKind.Transfer, message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public MediaException(string message, Exception innerException)
        : this(MediaErrorKind.Transfer, message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public MediaException()
        : this(MediaErrorKind.Transfer, "media transfer failed")
    {
    }

    /// <summary>Gets which step failed.</summary>
    public MediaErrorKind Kind { get; }
}

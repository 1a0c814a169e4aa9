namespace WaOrleans.Protocol.Client;

/// <summary>
/// A pairing step failed: a pair-success that does not verify, or a pairing-code exchange that
/// cannot complete. <see cref="Code"/> and <see cref="Text"/> are what the client answers the
/// server with (whatsmeow's codes: 401 hmac-mismatch / signature-mismatch, 500 internal-error).
/// </summary>
public sealed class PairingException : Exception
{
    /// <summary>Creates the exception with the iq error the server is told.</summary>
    public PairingException(int code, string text, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
        Text = text;
    }

    /// <summary>Creates the exception with a message (code 500).</summary>
    public PairingException(string message)
        : this(IqErrors.InternalServerError, "internal-error", message)
    {
    }

    /// <summary>Creates the exception with a message and a cause (code 500).</summary>
    public PairingException(string message, Exception innerException)
        : this(IqErrors.InternalServerError, "internal-error", message, innerException)
    {
    }

    /// <summary>Creates the exception without details (code 500).</summary>
    public PairingException()
        : this("pairing failed")
    {
    }

    /// <summary>Gets the iq error code sent to the server.</summary>
    public int Code { get; }

    /// <summary>Gets the iq error text sent to the server, such as <c>hmac-mismatch</c>.</summary>
    public string Text { get; }
}

namespace WaOrleans.Protocol.Crypto;

/// <summary>
/// A cryptographic operation failed on its input: a low-order public key, a failed
/// authentication tag, a key the library refused.
/// </summary>
public sealed class CryptoException : Exception
{
    /// <summary>Creates the exception with a message naming the failed step.</summary>
    public CryptoException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public CryptoException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with no message (serialization and tooling).</summary>
    public CryptoException()
    {
    }
}

namespace WaOrleans.Protocol.Binary;

/// <summary>
/// Reports bytes that are not a well-formed binary node: truncated, malformed, too deep, too
/// large once inflated, or followed by leftover bytes. The only exception the decoder throws.
/// </summary>
public sealed class NodeDecodeException : Exception
{
    /// <summary>Creates the exception for a failure at <paramref name="offset"/>.</summary>
    public NodeDecodeException(string message, int offset, Exception? innerException = null)
        : base($"{message} (at byte {offset})", innerException)
    {
        Offset = offset;
    }

    /// <summary>Gets the byte offset, in the (inflated) node bytes after the flag byte, where decoding failed.</summary>
    public int Offset { get; }
}

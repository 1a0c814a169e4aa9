using System.Diagnostics.CodeAnalysis;

namespace WaOrleans.Protocol.Binary;

/// <summary>Throws the codec's exceptions from out-of-line methods, so the hot read paths stay small.</summary>
internal static class ThrowHelper
{
    /// <summary>Throws a <see cref="NodeDecodeException"/> for a failure at <paramref name="offset"/>.</summary>
    [DoesNotReturn]
    public static void ThrowDecode(string message, int offset) => throw new NodeDecodeException(message, offset);

    /// <summary>Throws a <see cref="NodeDecodeException"/> whose message names the offending tag byte.</summary>
    [DoesNotReturn]
    public static void ThrowUnexpectedTag(string expected, byte tag, int offset) =>
        throw new NodeDecodeException($"expected {expected}, found tag byte 0x{tag:X2}", offset);

    /// <summary>Throws a <see cref="NodeDecodeException"/> for input that ends inside a value.</summary>
    [DoesNotReturn]
    public static void ThrowTruncated(int needed, int offset) =>
        throw new NodeDecodeException($"input ends {needed} byte(s) too early", offset);
}

namespace WaOrleans.Protocol.Binary;

/// <summary>Holds the limits and fixed values of the binary node codec.</summary>
internal static class BinaryConstants
{
    /// <summary>The bit of the leading frame byte that says the rest is a zlib stream (Baileys and whatsmeow test only this bit).</summary>
    public const byte CompressedFlag = 2;

    /// <summary>The flag byte clients put in front of every node they send: uncompressed.</summary>
    public const byte UncompressedFrame = 0;

    /// <summary>
    /// The largest node we inflate a compressed frame into: 16 MiB, the size a 3-byte frame length
    /// can announce, so a zip bomb stops there instead of filling memory.
    /// </summary>
    public const int MaxInflatedSize = 1 << 24;

    /// <summary>
    /// The deepest nesting of child lists the decoder accepts. Real stanzas nest fewer than ten
    /// levels; the bound keeps hostile input from exhausting the stack.
    /// </summary>
    public const int MaxDepth = 64;

    /// <summary>The longest string that may be packed as nibbles or hex (Baileys <c>PACKED_MAX</c>): the length byte keeps 7 bits for it.</summary>
    public const int PackedMax = 127;

    /// <summary>The bit of a packed string's length byte that says the last nibble is filler.</summary>
    public const byte PackedOddFlag = 0x80;

    /// <summary>The nibble that pads an odd-length packed string.</summary>
    public const byte PackedFiller = 15;

    /// <summary>The first byte length that needs <see cref="TokenTag.Binary20"/> instead of <see cref="TokenTag.Binary8"/>.</summary>
    public const int Binary20Threshold = 1 << 8;

    /// <summary>The first byte length that needs <see cref="TokenTag.Binary32"/>: it no longer fits 20 bits.</summary>
    public const int Binary32Threshold = 1 << 20;

    /// <summary>The first list size that needs <see cref="TokenTag.List16"/> instead of <see cref="TokenTag.List8"/>.</summary>
    public const int List16Threshold = 1 << 8;

    /// <summary>
    /// The fewest bytes a node can take (a LIST_8 header, its size, a one-byte token tag), so a
    /// list may announce at most the remaining bytes divided by this many children.
    /// </summary>
    public const int MinNodeSize = 3;

    /// <summary>The largest device number an AD_JID can carry (one byte).</summary>
    public const int MaxAdDevice = byte.MaxValue;
}

using System.Collections.Frozen;

namespace WaOrleans.Protocol.Binary;

/// <summary>
/// Looks tokens up in the dictionary-version-3 tables of <c>Tokens.g.cs</c>, both ways.
/// </summary>
internal static partial class Tokens
{
    /// <summary>The number of entries in each double-byte dictionary (one index byte).</summary>
    public const int DictionarySize = 256;

    /// <summary>The number of double-byte dictionaries (tags <see cref="TokenTag.Dictionary0"/> to 3).</summary>
    public const int DictionaryCount = 4;

    // Value = the bytes to write: one byte (the single-byte index), or two bytes packed as
    // (DICTIONARY_n << 8) | index. Double-byte entries go in last so they win, as in Baileys'
    // TOKEN_MAP; the tables have no duplicates today, and a test checks against Baileys.
    private static readonly FrozenDictionary<string, ushort> Lookup;

    // A static constructor, not field initializers: the tables live in the other half of this
    // partial class, and the order of initializers across partial files is unspecified.
    static Tokens()
    {
        Lookup = BuildLookup();
        MaxLength = Lookup.Keys.Max(t => t.Length);
    }

    /// <summary>Gets the length of the longest token, so longer strings skip the lookup.</summary>
    public static int MaxLength { get; }

    /// <summary>Gets the number of single-byte tokens (valid indices are 1 to this minus 1).</summary>
    public static int SingleByteCount => SingleByte.Length;

    /// <summary>Returns the single-byte token at <paramref name="index"/> (1 to 235).</summary>
    public static string GetSingleByte(int index) => SingleByte[index];

    /// <summary>Returns the token at <paramref name="index"/> of double-byte dictionary <paramref name="dictionary"/>.</summary>
    public static string GetDoubleByte(int dictionary, int index) => DoubleByte[(dictionary * DictionarySize) + index];

    /// <summary>
    /// Finds how <paramref name="value"/> is written as a token: <paramref name="encoded"/> is one
    /// byte if below 256, otherwise the dictionary tag in the high byte and the index in the low one.
    /// </summary>
    public static bool TryGetToken(string value, out ushort encoded) => Lookup.TryGetValue(value, out encoded);

    private static FrozenDictionary<string, ushort> BuildLookup()
    {
        var lookup = new Dictionary<string, ushort>(StringComparer.Ordinal);
        for (var i = 1; i < SingleByte.Length; i++)
        {
            lookup[SingleByte[i]] = (ushort)i;
        }

        for (var i = 0; i < DoubleByte.Length; i++)
        {
            var tag = (int)TokenTag.Dictionary0 + (i / DictionarySize);
            lookup[DoubleByte[i]] = (ushort)((tag << 8) | (i % DictionarySize));
        }

        return lookup.ToFrozenDictionary(StringComparer.Ordinal);
    }
}

using System.Text;
using WaOrleans.Protocol.Binary;

namespace WaOrleans.Protocol.Tests.Binary;

/// <summary>
/// Generates random nodes from a fixed seed, covering every token, every JID kind, packed and raw
/// strings, byte sizes at the tag boundaries, long lists and deep nesting.
/// </summary>
/// <remarks>
/// Stays inside what Baileys can represent: no '@' in plain strings (Baileys would write them as
/// JIDs), no integer-like attribute keys (a JS object would reorder them), and no raw agents that
/// are domain types (1, 128, 129 would turn a phone-number JID into a LID or hosted one).
/// </remarks>
internal sealed class RandomNodes(int seed, bool messengerJids = false)
{
    /// <summary>The largest content the "big bytes" shape produces; the BINARY_32 boundary plus a little.</summary>
    private const int BigBytes = (1 << 20) + 7;

    /// <summary>
    /// Levels below the top of the "deep" shape: deeper than any real stanza, yet within the
    /// harness's JSON reader (System.Text.Json stops at 64 levels; each node level takes 3).
    /// </summary>
    public const int DeepLevels = 18;

    private static readonly string[] AllTokens = [.. Enumerable.Range(1, Tokens.SingleByteCount - 1).Select(Tokens.GetSingleByte),
        .. Enumerable.Range(0, Tokens.DictionaryCount * Tokens.DictionarySize).Select(i => Tokens.GetDoubleByte(i / Tokens.DictionarySize, i % Tokens.DictionarySize))];

    private static readonly string[] KeyTokens = [.. AllTokens.Where(t => !t.All(char.IsAsciiDigit))];
    private static readonly int[] ByteSizes = [0, 1, 255, 256, 65535, 65536, (1 << 20) - 1, 1 << 20, BigBytes];

    private readonly Random _random = new(seed);
    private readonly int _bigBytes = ByteSizes[(seed & int.MaxValue) % ByteSizes.Length];
    private int _tokenCursor = seed;

    /// <summary>Gets how many tokens exist; <see cref="Next"/> cycles through all of them.</summary>
    public static int TokenCount => AllTokens.Length;

    /// <summary>Returns the next random node; the first few calls return the special shapes.</summary>
    public Node Next(int index, bool allowBigBytes = true) => index switch
    {
        0 => new Node(Tag(), Enumerable.Range(0, 200).ToDictionary(i => $"k{i}", _ => Value())),
        1 => new Node(Tag(), Attrs(), Enumerable.Range(0, 256 + _random.Next(300)).Select(_ => Leaf()).ToArray()),
        2 => Deep(DeepLevels),
        3 when allowBigBytes => new Node(Tag(), Attrs(), new byte[_bigBytes]),
        _ => Any(0),
    };

    private Node Any(int depth) => new(Tag(), Attrs(), _random.Next(6) switch
    {
        0 => NodeContent.None,
        1 or 2 => depth < 6 ? Enumerable.Range(0, _random.Next(5)).Select(_ => Any(depth + 1)).ToArray() : Array.Empty<Node>(),
        3 => RandomBytes(),
        4 => RandomString(),
        _ => RandomJid(),
    });

    private Node Leaf() => new(Tag(), Attrs(), _random.Next(2) == 0 ? NodeContent.None : RandomString());

    private Node Deep(int levels) => levels == 0 ? Leaf() : new Node(Tag(), Attrs(), new[] { Deep(levels - 1) });

    private Dictionary<string, AttrValue> Attrs()
    {
        var attrs = new Dictionary<string, AttrValue>();
        for (var i = _random.Next(6); i > 0; i--)
        {
            attrs[_random.Next(10) < 7 ? Pick(KeyTokens) : Chars("abcdefghijklmnopqrstuvwxyz_-:", 1 + _random.Next(12))] = Value();
        }

        return attrs;
    }

    private AttrValue Value() => _random.Next(10) < 3 ? RandomJid() : RandomString();

    private string Tag() => _random.Next(10) < 7 ? NextToken() : Chars("abcdefghijklmnopqrstuvwxyz-:", 1 + _random.Next(12));

    private string NextToken() => AllTokens[_tokenCursor++ % AllTokens.Length];

    private string RandomString() => _random.Next(12) switch
    {
        0 or 1 or 2 => NextToken(),
        3 => Pick(AllTokens),
        4 => Chars("0123456789-.", 1 + _random.Next(127)),
        5 => Chars("0123456789", Pick([1, 2, 126, 127])),
        6 => Chars("0123456789-.", 128 + _random.Next(200)),
        7 => Chars("0123456789ABCDEF", 1 + _random.Next(127)),
        8 => Chars("0123456789abcdef", 1 + _random.Next(40)),
        9 => Chars(" !\"#$%&'()*+,-./0123456789:;<=>?ABCXYZ[\\]^_`abcxyz{|}~", Pick([1 + _random.Next(40), 255, 256, 300 + _random.Next(2000)])),
        10 => string.Concat(Enumerable.Range(0, 1 + _random.Next(20)).Select(_ => Pick(["é", "ß", "ж", "中", "😀", "👍🏽", "\0", "\n", "a", "1"]))),
        _ => "",
    };

    private byte[] RandomBytes()
    {
        var bytes = new byte[Pick([0, 1, _random.Next(64), _random.Next(300), _random.Next(1200)])];
        _random.NextBytes(bytes);
        return bytes;
    }

    private Jid RandomJid()
    {
        var device = (ushort)(1 + _random.Next(255));
        var agent = (byte)(2 + _random.Next(126));
        var kind = _random.Next(messengerJids ? 22 : 19);
        return kind switch
        {
            0 => new(Digits(8, 15), JidServer.PhoneNumber),
            1 => new(Digits(8, 15), JidServer.PhoneNumber, device),
            2 => new(Digits(10, 15), JidServer.Lid),
            3 => new(Digits(10, 15), JidServer.Lid, device),
            4 => new(Digits(8, 15), JidServer.Hosted, 99),
            5 => new(Digits(8, 15), JidServer.Hosted),
            6 => new(Digits(10, 15), JidServer.HostedLid, device),
            7 => new(Digits(8, 15) + "-" + Digits(10, 10), JidServer.Group),
            8 => new(Digits(18, 18), JidServer.Group),
            9 => Jid.StatusBroadcast,
            10 => new(Digits(10, 13), JidServer.Broadcast),
            11 => new(Digits(18, 18), JidServer.Newsletter),
            12 => Jid.ServerJid,
            13 => Pick([Jid.GroupServerJid, Jid.BroadcastServerJid, new("", JidServer.Lid)]),
            14 => new(Digits(8, 15), JidServer.PhoneNumber, device, agent),
            15 => new(Digits(8, 15), JidServer.PhoneNumber, 0, agent),
            16 => new(Chars("abcdefghijklmnopqrstuvwxyz", 1 + _random.Next(10)), JidServer.LegacyUser),
            17 => new(Digits(11, 11), JidServer.Bot),
            18 => new(Chars("0123456789ABCDEF", 32), JidServer.Call),
            19 => new(Digits(8, 15), JidServer.Messenger, (ushort)_random.Next(ushort.MaxValue + 1)),
            20 => new(Digits(8, 15), JidServer.Interop, (ushort)_random.Next(ushort.MaxValue + 1), integrator: (ushort)_random.Next(ushort.MaxValue + 1)),
            _ => new("", JidServer.Messenger),
        };
    }

    private string Digits(int min, int max) => (char)('1' + _random.Next(9)) + Chars("0123456789", min - 1 + _random.Next(max - min + 1));

    private string Chars(string alphabet, int length)
    {
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            text.Append(alphabet[_random.Next(alphabet.Length)]);
        }

        return text.ToString();
    }

    private T Pick<T>(T[] items) => items[_random.Next(items.Length)];
}

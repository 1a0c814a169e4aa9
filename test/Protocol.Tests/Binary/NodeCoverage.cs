using WaOrleans.Protocol.Binary;

namespace WaOrleans.Protocol.Tests.Binary;

/// <summary>Records what a set of nodes exercised, so the interop tests can prove their generators reach every case.</summary>
internal sealed class NodeCoverage
{
    private readonly HashSet<string> _strings = new(StringComparer.Ordinal);
    private readonly HashSet<int> _byteSizes = [];
    private int _maxChildren;
    private int _maxAttrs;
    private int _maxDepth;
    private int _nodes;

    /// <summary>Gets how many top-level nodes were added.</summary>
    public int TopLevel { get; private set; }

    /// <summary>Gets how many nodes were added, children included.</summary>
    public int Nodes => _nodes;

    /// <summary>Gets the JID kinds seen: the server, plus ":device", "_agent" and "server-jid" markers.</summary>
    public HashSet<string> JidKinds { get; } = new(StringComparer.Ordinal);

    /// <summary>Returns the node as its decoder sees it: raw-encoded text content comes back as bytes.</summary>
    public static Node RawTextAsBytes(Node node) => node with
    {
        Content = node.Content.Kind switch
        {
            NodeContentKind.Children => NodeContent.FromChildren(node.Children.Select(RawTextAsBytes)),
            NodeContentKind.Text when IsRawText(node) => System.Text.Encoding.UTF8.GetBytes(node.Content.ToString()),
            _ => node.Content,
        },
    };

    /// <summary>Records a decoded top-level node and everything inside it.</summary>
    public void Add(Node node)
    {
        TopLevel++;
        Add(node, 1);
    }

    /// <summary>Fails unless every token, JID kind, size boundary and list shape was seen.</summary>
    public void AssertCoversEverything()
    {
        var missingTokens = Enumerable.Range(1, Tokens.SingleByteCount - 1).Select(Tokens.GetSingleByte)
            .Concat(Enumerable.Range(0, Tokens.DictionaryCount * Tokens.DictionarySize).Select(i => Tokens.GetDoubleByte(i / Tokens.DictionarySize, i % Tokens.DictionarySize)))
            .Where(t => !_strings.Contains(t)).ToArray();
        Assert.Empty(missingTokens);
        Assert.Superset(
            new HashSet<string>(["s.whatsapp.net", "s.whatsapp.net:device", "s.whatsapp.net_agent", "s.whatsapp.net server-jid", "lid", "lid:device",
                "hosted:device", "hosted", "hosted.lid:device", "hosted.lid", "g.us", "g.us server-jid", "broadcast", "status@broadcast", "newsletter", "c.us", "bot", "call"]),
            JidKinds);
        Assert.Superset(new HashSet<int>([0, 1, 255, 256, 65535, 65536, (1 << 20) - 1, 1 << 20]), _byteSizes);
        Assert.Contains(_byteSizes, size => size > 1 << 20);
        Assert.InRange(_maxChildren, 256, ushort.MaxValue);
        Assert.InRange(_maxAttrs, 128, ushort.MaxValue);
        Assert.InRange(_maxDepth, RandomNodes.DeepLevels + 1, BinaryConstants.MaxDepth);
        Assert.Contains(_strings, s => s.Length == BinaryConstants.PackedMax && s.All(char.IsAsciiDigit));
        Assert.Contains(_strings, s => s.Length > 0 && s.All(c => char.IsAsciiHexDigitUpper(c)) && !s.All(char.IsAsciiDigit));
        Assert.Contains(_strings, s => s.Length > 0 && s.Any(c => c is '-' or '.') && s.All(c => c is '-' or '.' || char.IsAsciiDigit(c)));
        Assert.Contains(_strings, s => s.Length == 0);
        Assert.Contains(_strings, s => s.Any(char.IsSurrogate));
    }

    // Encodes <iq>content</iq> (00 F8 02 19 …) and looks at the content's tag byte.
    private static bool IsRawText(Node node) =>
        NodeWriter.EncodeFrame(new Node("iq", content: node.Content))[4] is (byte)TokenTag.Binary8 or (byte)TokenTag.Binary20 or (byte)TokenTag.Binary32;

    private void Add(Node node, int depth)
    {
        _nodes++;
        _maxDepth = Math.Max(_maxDepth, depth);
        _maxAttrs = Math.Max(_maxAttrs, node.Attrs.Count);
        _strings.Add(node.Tag);
        foreach (var (key, value) in node.Attrs)
        {
            _strings.Add(key);
            if (value.TryGetJid(out var jid))
            {
                AddJid(jid);
            }
            else
            {
                _strings.Add(value.ToString());
            }
        }

        switch (node.Content.Kind)
        {
            case NodeContentKind.Children:
                _maxChildren = Math.Max(_maxChildren, node.Children.Count);
                foreach (var child in node.Children)
                {
                    Add(child, depth + 1);
                }

                break;
            case NodeContentKind.Bytes:
                node.Content.TryGetBytes(out var bytes);
                _byteSizes.Add(bytes.Length);
                break;
            case NodeContentKind.Text:
                _strings.Add(node.Content.ToString());
                break;
            case NodeContentKind.Jid:
                node.Content.TryGetJid(out var content);
                AddJid(content);
                break;
        }
    }

    private void AddJid(Jid jid)
    {
        JidKinds.Add(jid.IsStatusBroadcast ? "status@broadcast" : jid.Server);
        if (jid.Device != 0)
        {
            JidKinds.Add(jid.Server + ":device");
        }

        if (jid.Agent != 0)
        {
            JidKinds.Add(jid.Server + "_agent");
        }

        if (jid.IsServer)
        {
            JidKinds.Add(jid.Server + " server-jid");
        }
    }
}

using System.Text;

namespace WaOrleans.Protocol.Binary;

/// <summary>
/// Represents one element of WhatsApp's binary XML: a tag, attributes (strings or JIDs) and
/// optional content (children, bytes, a string or a JID). Immutable, with structural equality.
/// </summary>
/// <remarks>Encode with <see cref="NodeWriter"/> and decode with <see cref="NodeReader"/>.</remarks>
public sealed record Node
{
    /// <summary>The longest text content <see cref="ToString"/> prints before cutting it off, to keep log lines bounded.</summary>
    private const int MaxPrintedText = 256;

    /// <summary>Creates a node; the attributes are copied, keeping their enumeration order (the wire order).</summary>
    /// <exception cref="ArgumentException">The tag is empty.</exception>
    public Node(string tag, IReadOnlyDictionary<string, AttrValue>? attrs = null, NodeContent content = default)
    {
        Tag = tag;
        AttrMap = AttrMap.From(attrs);
        Content = content;
    }

    /// <summary>Gets the tag, such as <c>iq</c> or <c>message</c>; never empty.</summary>
    public string Tag
    {
        get;
        init
        {
            ArgumentException.ThrowIfNullOrEmpty(value, nameof(Tag));
            field = value;
        }
    }

    /// <summary>Gets the attributes in wire order.</summary>
    public IReadOnlyDictionary<string, AttrValue> Attrs { get => AttrMap; init => AttrMap = AttrMap.From(value); }

    /// <summary>Gets the content.</summary>
    public NodeContent Content { get; init; }

    /// <summary>Gets the attributes as the concrete map, which always backs <see cref="Attrs"/>.</summary>
    internal AttrMap AttrMap { get; private init; }

    /// <summary>Gets the child nodes, or an empty list if the content is not a list.</summary>
    public IReadOnlyList<Node> Children => Content.Children;

    /// <summary>Returns the first child with the first tag of <paramref name="path"/>, then its first child with the next tag, and so on; null if one is missing.</summary>
    public Node? GetChild(params ReadOnlySpan<string> path)
    {
        var node = this;
        foreach (var tag in path)
        {
            node = FirstChild(node, tag);
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>Returns the children whose tag is <paramref name="tag"/>, in order.</summary>
    public IReadOnlyList<Node> GetChildren(string tag)
    {
        var matches = new List<Node>();
        foreach (var child in Children)
        {
            if (string.Equals(child.Tag, tag, StringComparison.Ordinal))
            {
                matches.Add(child);
            }
        }

        return matches;
    }

    /// <summary>Returns an attribute's text (a JID as its text form), or null if it is missing.</summary>
    public string? GetAttr(string key) => Attrs.TryGetValue(key, out var value) ? value.ToString() : null;

    /// <summary>Compares tag, attributes (in any order) and content.</summary>
    public bool Equals(Node? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || !string.Equals(Tag, other.Tag, StringComparison.Ordinal) ||
            Attrs.Count != other.Attrs.Count || Content != other.Content)
        {
            return false;
        }

        foreach (var (key, value) in Attrs)
        {
            if (!other.Attrs.TryGetValue(key, out var otherValue) || value != otherValue)
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(StringComparer.Ordinal.GetHashCode(Tag), Attrs.Count, Content);

    /// <summary>Renders the node as XML-ish text; byte content shows only its length, long text is cut off.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        Append(text, this);
        return text.ToString();
    }

    private static Node? FirstChild(Node node, string tag)
    {
        foreach (var child in node.Children)
        {
            if (string.Equals(child.Tag, tag, StringComparison.Ordinal))
            {
                return child;
            }
        }

        return null;
    }

    private static void Append(StringBuilder text, Node node)
    {
        // Tags and keys come off the wire too, so they are escaped like values (no log injection).
        text.Append('<');
        AppendEscaped(text, node.Tag);
        foreach (var (key, value) in node.Attrs)
        {
            text.Append(' ');
            AppendEscaped(text, key);
            text.Append("=\"");
            AppendEscaped(text, value.ToString());
            text.Append('"');
        }

        if (node.Content.Kind == NodeContentKind.None)
        {
            text.Append("/>");
            return;
        }

        text.Append('>');
        if (node.Content.Kind == NodeContentKind.Children)
        {
            foreach (var child in node.Children)
            {
                Append(text, child);
            }
        }
        else
        {
            AppendEscaped(text, node.Content.ToString());
        }

        text.Append("</");
        AppendEscaped(text, node.Tag);
        text.Append('>');
    }

    private static void AppendEscaped(StringBuilder text, string value)
    {
        var shown = value.Length > MaxPrintedText ? value.AsSpan(0, MaxPrintedText) : value;
        foreach (var c in shown)
        {
            _ = c switch
            {
                '<' => text.Append("&lt;"),
                '>' => text.Append("&gt;"),
                '&' => text.Append("&amp;"),
                '"' => text.Append("&quot;"),
                _ when char.IsControl(c) => text.Append(@"\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)),
                _ => text.Append(c),
            };
        }

        if (shown.Length < value.Length)
        {
            text.Append("…(").Append(value.Length).Append(" chars)");
        }
    }
}

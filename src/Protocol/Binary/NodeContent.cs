using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace WaOrleans.Protocol.Binary;

/// <summary>Names what a node carries after its attributes.</summary>
public enum NodeContentKind
{
    /// <summary>Carries nothing: the node ends after its attributes.</summary>
    None,

    /// <summary>Carries a list of child nodes, possibly empty.</summary>
    Children,

    /// <summary>Carries a byte string (BINARY_8/20/32): ciphertext, keys, protobuf, and Baileys' raw strings.</summary>
    Bytes,

    /// <summary>Carries a string written as a token or packed digits; raw strings decode as <see cref="Bytes"/>.</summary>
    Text,

    /// <summary>Carries a JID written in a JID encoding.</summary>
    Jid,
}

/// <summary>
/// Holds a node's content: nothing, child nodes, bytes, a string or a JID (see <see cref="NodeContentKind"/>).
/// </summary>
/// <remarks>
/// The content never changes after construction: child lists are copied, but a byte array handed
/// to the implicit conversion is taken over without a copy (payloads can be large), so the caller
/// must not change it later. Likewise a node decoded by <see cref="NodeReader.DecodeFrame(byte[])"/>
/// holds its byte content as slices of the frame array. Equality is structural.
/// </remarks>
public readonly struct NodeContent : IEquatable<NodeContent>
{
    // One reference: null, Node[], byte[], string or a boxed Jid. A byte[] may be a slice of a
    // larger array (a decoded frame), so bytes also carry their offset and length; the two ints
    // keep the struct at 16 bytes and spare the decoder a copy per payload.
    private readonly object? _value;
    private readonly int _offset;
    private readonly int _length;

    internal NodeContent(object? value)
    {
        _value = value;
        _length = value is byte[] bytes ? bytes.Length : 0;
    }

    // Takes over a slice of an array the caller promises never to change.
    internal NodeContent(byte[] array, int offset, int length)
    {
        _value = array;
        _offset = offset;
        _length = length;
    }

    // The byte content as a span; empty unless the content is bytes.
    private ReadOnlySpan<byte> ByteSpan => _value is byte[] array ? array.AsSpan(_offset, _length) : default;

    /// <summary>Gets the empty content (<c>default</c>).</summary>
    public static NodeContent None => default;

    /// <summary>Gets what kind of content this is.</summary>
    public NodeContentKind Kind => _value switch
    {
        null => NodeContentKind.None,
        Node[] => NodeContentKind.Children,
        byte[] => NodeContentKind.Bytes,
        string => NodeContentKind.Text,
        _ => NodeContentKind.Jid,
    };

    /// <summary>Gets the child nodes, or an empty list if the content is not a list.</summary>
    public IReadOnlyList<Node> Children => _value as Node[] ?? [];

    /// <summary>Gets the child nodes as a span, for the writer to walk without an enumerator.</summary>
    internal ReadOnlySpan<Node> ChildSpan => _value as Node[];

    /// <summary>Creates list content from a copy of <paramref name="children"/>.</summary>
    public static NodeContent FromChildren(params ReadOnlySpan<Node> children)
    {
        foreach (var child in children)
        {
            ArgumentNullException.ThrowIfNull(child, nameof(children));
        }

        return new(children.ToArray());
    }

    /// <summary>Creates list content from a copy of <paramref name="children"/>.</summary>
    public static NodeContent FromChildren(IEnumerable<Node> children)
    {
        ArgumentNullException.ThrowIfNull(children);
        return FromChildren([.. children]);
    }

    /// <summary>Creates byte content, copying unless the memory is a whole array.</summary>
    public static NodeContent FromBytes(ReadOnlyMemory<byte> bytes) =>
        MemoryMarshal.TryGetArray(bytes, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? new(segment.Array)
            : new(bytes.ToArray());

    /// <summary>Creates string content.</summary>
    public static NodeContent FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new(text);
    }

    /// <summary>Creates JID content.</summary>
    /// <exception cref="ArgumentException">The JID is the empty <c>default</c>.</exception>
    public static NodeContent FromJid(Jid jid) =>
        jid.IsEmpty ? throw new ArgumentException("content cannot be the empty JID", nameof(jid)) : new(jid);

    /// <summary>Returns the bytes if the content is a byte string.</summary>
    public bool TryGetBytes(out ReadOnlyMemory<byte> bytes)
    {
        if (_value is byte[] array)
        {
            bytes = new ReadOnlyMemory<byte>(array, _offset, _length);
            return true;
        }

        bytes = default;
        return false;
    }

    /// <summary>Returns the string if the content is one.</summary>
    public bool TryGetText([NotNullWhen(true)] out string? text)
    {
        text = _value as string;
        return text is not null;
    }

    /// <summary>Returns the JID if the content is one.</summary>
    public bool TryGetJid(out Jid jid)
    {
        jid = _value is Jid value ? value : default;
        return _value is Jid;
    }

    /// <summary>Converts child nodes to list content (a copy of the array).</summary>
    public static implicit operator NodeContent(Node[] children) => FromChildren(children);

    /// <summary>Converts bytes to byte content (the array is taken over, not copied).</summary>
    public static implicit operator NodeContent(byte[] bytes) => new(bytes ?? throw new ArgumentNullException(nameof(bytes)));

    /// <summary>Converts a string to string content.</summary>
    public static implicit operator NodeContent(string text) => FromText(text);

    /// <summary>Converts a JID to JID content.</summary>
    public static implicit operator NodeContent(Jid jid) => FromJid(jid);

    /// <summary>Compares kind and value; lists compare node by node, bytes byte by byte.</summary>
    public bool Equals(NodeContent other) => (_value, other._value) switch
    {
        (null, null) => true,
        (Node[] a, Node[] b) => a.AsSpan().SequenceEqual(b),
        (byte[], byte[]) => ByteSpan.SequenceEqual(other.ByteSpan),
        (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
        (Jid a, Jid b) => a == b,
        _ => false,
    };

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is NodeContent other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _value switch
    {
        null => 0,
        Node[] nodes => HashCode.Combine(NodeContentKind.Children, nodes.Length),
        byte[] => HashCode.Combine(NodeContentKind.Bytes, _length),
        _ => _value.GetHashCode(),
    };

    /// <summary>Compares two contents as <see cref="Equals(NodeContent)"/> does.</summary>
    public static bool operator ==(NodeContent left, NodeContent right) => left.Equals(right);

    /// <summary>Compares two contents as <see cref="Equals(NodeContent)"/> does, negated.</summary>
    public static bool operator !=(NodeContent left, NodeContent right) => !left.Equals(right);

    /// <summary>Returns a short description; bytes show only their length.</summary>
    public override string ToString() => _value switch
    {
        null => "",
        Node[] nodes => $"[{nodes.Length} nodes]",
        byte[] => $"[{_length} bytes]",
        _ => _value.ToString() ?? "",
    };
}

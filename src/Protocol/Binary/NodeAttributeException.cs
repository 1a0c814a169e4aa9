namespace WaOrleans.Protocol.Binary;

/// <summary>
/// Reports that a well-formed node lacks attributes the caller needs, or has malformed ones;
/// thrown by <see cref="AttrReader.ThrowIfInvalid"/> with every error found.
/// </summary>
public sealed class NodeAttributeException : Exception
{
    /// <summary>Creates the exception for node <paramref name="tag"/> and its <paramref name="errors"/>.</summary>
    public NodeAttributeException(string tag, IReadOnlyList<string> errors)
        : base($"invalid <{tag}> node: {string.Join("; ", errors)}")
    {
        Tag = tag;
        Errors = errors;
    }

    /// <summary>Gets the tag of the node whose attributes were read.</summary>
    public string Tag { get; }

    /// <summary>Gets the errors, one sentence each.</summary>
    public IReadOnlyList<string> Errors { get; }
}

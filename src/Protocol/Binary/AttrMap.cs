using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace WaOrleans.Protocol.Binary;

/// <summary>
/// Holds a node's attributes as an immutable dictionary that keeps wire order, so a decoded node
/// writes back the same bytes. Nodes have a handful of attributes, so lookups scan the array.
/// </summary>
internal sealed class AttrMap : IReadOnlyDictionary<string, AttrValue>
{
    /// <summary>
    /// Above this many attributes a duplicate check uses a hash set instead of a scan, so hostile
    /// input with thousands of attributes decodes in linear time.
    /// </summary>
    private const int LinearScanMax = 16;

    private readonly KeyValuePair<string, AttrValue>[] _entries;

    private AttrMap(KeyValuePair<string, AttrValue>[] entries) => _entries = entries;

    /// <summary>Gets the map without attributes.</summary>
    public static AttrMap Empty { get; } = new([]);

    /// <inheritdoc />
    public int Count => _entries.Length;

    /// <summary>Gets the entries in wire order, for the writer to walk without an enumerator.</summary>
    public ReadOnlySpan<KeyValuePair<string, AttrValue>> Entries => _entries;

    /// <inheritdoc />
    public IEnumerable<string> Keys => _entries.Select(e => e.Key);

    /// <inheritdoc />
    public IEnumerable<AttrValue> Values => _entries.Select(e => e.Value);

    /// <inheritdoc />
    public AttrValue this[string key] =>
        TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"no attribute '{key}'");

    /// <summary>Returns <paramref name="attrs"/> as an immutable map, copying unless it already is one.</summary>
    public static AttrMap From(IReadOnlyDictionary<string, AttrValue>? attrs)
    {
        if (attrs is AttrMap map)
        {
            return map;
        }

        if (attrs is null || attrs.Count == 0)
        {
            return Empty;
        }

        var entries = new KeyValuePair<string, AttrValue>[attrs.Count];
        var i = 0;
        foreach (var entry in attrs)
        {
            ArgumentNullException.ThrowIfNull(entry.Key, nameof(attrs));
            entries[i++] = entry;
        }

        return new(entries);
    }

    /// <summary>
    /// Takes ownership of decoded entries. A repeated key keeps its first position and its last
    /// value, as Baileys' decoder (a JS object) does.
    /// </summary>
    public static AttrMap FromDecoded(KeyValuePair<string, AttrValue>[] entries)
    {
        if (entries.Length == 0)
        {
            return Empty;
        }

        return HasDuplicates(entries) ? new(Deduplicate(entries)) : new(entries);
    }

    /// <inheritdoc />
    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    /// <inheritdoc />
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out AttrValue value)
    {
        var i = IndexOf(key);
        value = i >= 0 ? _entries[i].Value : default;
        return i >= 0;
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, AttrValue>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, AttrValue>>)_entries).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int IndexOf(string key)
    {
        for (var i = 0; i < _entries.Length; i++)
        {
            if (string.Equals(_entries[i].Key, key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool HasDuplicates(KeyValuePair<string, AttrValue>[] entries)
    {
        if (entries.Length <= LinearScanMax)
        {
            for (var i = 1; i < entries.Length; i++)
            {
                for (var j = 0; j < i; j++)
                {
                    if (string.Equals(entries[i].Key, entries[j].Key, StringComparison.Ordinal))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        var seen = new HashSet<string>(entries.Length, StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (!seen.Add(entry.Key))
            {
                return true;
            }
        }

        return false;
    }

    private static KeyValuePair<string, AttrValue>[] Deduplicate(KeyValuePair<string, AttrValue>[] entries)
    {
        var positions = new Dictionary<string, int>(entries.Length, StringComparer.Ordinal);
        var unique = new List<KeyValuePair<string, AttrValue>>(entries.Length);
        foreach (var entry in entries)
        {
            if (positions.TryGetValue(entry.Key, out var position))
            {
                unique[position] = entry;
            }
            else
            {
                positions.Add(entry.Key, unique.Count);
                unique.Add(entry);
            }
        }

        return [.. unique];
    }
}

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
    /// Above this many attributes the duplicate check hashes instead of scanning, so hostile input
    /// with thousands of attributes decodes in linear time.
    /// </summary>
    private const int LinearScanMax = 16;

    private readonly KeyValuePair<string, AttrValue>[] _entries;
    private readonly int _count;

    private AttrMap(KeyValuePair<string, AttrValue>[] entries, int count)
    {
        _entries = entries;
        _count = count;
    }

    /// <summary>Gets the map without attributes.</summary>
    public static AttrMap Empty { get; } = new([], 0);

    /// <inheritdoc />
    public int Count => _count;

    /// <summary>Gets the entries in wire order, for the writer to walk without an enumerator.</summary>
    public ReadOnlySpan<KeyValuePair<string, AttrValue>> Entries => _entries.AsSpan(0, _count);

    /// <inheritdoc />
    public IEnumerable<string> Keys => _entries.Take(_count).Select(e => e.Key);

    /// <inheritdoc />
    public IEnumerable<AttrValue> Values => _entries.Take(_count).Select(e => e.Value);

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

        return new(entries, entries.Length);
    }

    /// <summary>
    /// Takes ownership of decoded entries. A repeated key keeps its first position and its last
    /// value, as Baileys' decoder (a JS object) does; the array is compacted in place.
    /// </summary>
    public static AttrMap FromDecoded(KeyValuePair<string, AttrValue>[] entries)
    {
        if (entries.Length == 0)
        {
            return Empty;
        }

        var count = entries.Length <= LinearScanMax ? DeduplicateByScan(entries) : DeduplicateByHash(entries);
        return new(entries, count);
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
    public IEnumerator<KeyValuePair<string, AttrValue>> GetEnumerator() => _entries.Take(_count).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int IndexOf(string key)
    {
        for (var i = 0; i < _count; i++)
        {
            if (string.Equals(_entries[i].Key, key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    // Both deduplicators move each first occurrence down to the next free slot (never past its own
    // index) and overwrite the value in place for a repeat; they return the number of unique keys.
    private static int DeduplicateByScan(KeyValuePair<string, AttrValue>[] entries)
    {
        var count = 0;
        for (var i = 0; i < entries.Length; i++)
        {
            var key = entries[i].Key;
            var position = 0;
            while (position < count && !string.Equals(entries[position].Key, key, StringComparison.Ordinal))
            {
                position++;
            }

            // Unique keys with no repeat before them stay where they are: no copy, no write barrier.
            if (position != i)
            {
                entries[position] = entries[i];
            }

            count += position == count ? 1 : 0;
        }

        return count;
    }

    private static int DeduplicateByHash(KeyValuePair<string, AttrValue>[] entries)
    {
        var positions = new Dictionary<string, int>(entries.Length, StringComparer.Ordinal);
        var count = 0;
        foreach (var entry in entries)
        {
            if (positions.TryGetValue(entry.Key, out var position))
            {
                entries[position] = entry;
            }
            else
            {
                positions.Add(entry.Key, count);
                entries[count++] = entry;
            }
        }

        return count;
    }
}

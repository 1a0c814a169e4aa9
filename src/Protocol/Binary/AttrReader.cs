using System.Globalization;

namespace WaOrleans.Protocol.Binary;

/// <summary>
/// Reads typed attributes of one node, collecting every missing or malformed one instead of
/// throwing at the first; check once at the end with <see cref="ThrowIfInvalid"/> or <see cref="IsValid"/>.
/// </summary>
/// <remarks>Required getters return a default value after recording an error, so the caller can read on.</remarks>
public sealed class AttrReader
{
    private readonly Node _node;
    private readonly List<string> _errors = [];

    /// <summary>Creates a reader for <paramref name="node"/>'s attributes.</summary>
    public AttrReader(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        _node = node;
    }

    /// <summary>Gets the errors recorded so far, one sentence each.</summary>
    public IReadOnlyList<string> Errors => _errors;

    /// <summary>Gets whether every attribute read so far was present and well-formed.</summary>
    public bool IsValid => _errors.Count == 0;

    /// <summary>Throws if any attribute read so far was missing or malformed.</summary>
    /// <exception cref="NodeAttributeException">At least one error was recorded; it lists all of them.</exception>
    public void ThrowIfInvalid()
    {
        if (!IsValid)
        {
            throw new NodeAttributeException(_node.Tag, [.. _errors]);
        }
    }

    /// <summary>Returns the attribute as a string (a JID as its text form), recording an error if it is missing.</summary>
    public string GetString(string key) => GetOptionalString(key) ?? Missing(key, "");

    /// <summary>Returns the attribute as a string (a JID as its text form), or null if it is missing.</summary>
    public string? GetOptionalString(string key) => _node.Attrs.TryGetValue(key, out var value) ? value.ToString() : null;

    /// <summary>Returns the attribute as a JID (written as one, or as parsable text), recording an error otherwise.</summary>
    public Jid GetJid(string key) => GetOptionalJid(key) ?? Missing(key, default(Jid));

    /// <summary>Returns the attribute as a JID, null if it is missing, recording an error if it is not a JID.</summary>
    public Jid? GetOptionalJid(string key)
    {
        if (!_node.Attrs.TryGetValue(key, out var value))
        {
            return null;
        }

        if (value.TryGetJid(out var jid) || Jid.TryParse(value.ToString(), out jid))
        {
            return jid;
        }

        return Invalid(key, value, "a JID", default(Jid));
    }

    /// <summary>Returns the attribute as a 64-bit integer, recording an error if it is missing or not one.</summary>
    public long GetInt64(string key) => GetOptionalInt64(key) ?? Missing(key, 0L);

    /// <summary>Returns the attribute as a 64-bit integer, null if it is missing, recording an error if it is not one.</summary>
    public long? GetOptionalInt64(string key)
    {
        var text = GetOptionalString(key);
        if (text is null)
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? number
            : Invalid(key, text, "an integer", 0L);
    }

    /// <summary>Returns the attribute as a 32-bit integer, recording an error if it is missing or not one.</summary>
    public int GetInt32(string key) => GetOptionalInt32(key) ?? Missing(key, 0);

    /// <summary>Returns the attribute as a 32-bit integer, null if it is missing, recording an error if it is not one.</summary>
    public int? GetOptionalInt32(string key)
    {
        var number = GetOptionalInt64(key);
        return number is null or (>= int.MinValue and <= int.MaxValue)
            ? (int?)number
            : Invalid(key, number.Value, "a 32-bit integer", 0);
    }

    /// <summary>Returns the attribute as a boolean ("true"/"false", "1"/"0"), recording an error if it is missing or not one.</summary>
    public bool GetBool(string key) => GetOptionalBool(key) ?? Missing(key, false);

    /// <summary>Returns the attribute as a boolean ("true"/"false", "1"/"0"), null if it is missing, recording an error if it is not one.</summary>
    public bool? GetOptionalBool(string key) => GetOptionalString(key) switch
    {
        null => null,
        "true" or "1" => true,
        "false" or "0" => false,
        var text => Invalid(key, text, "a boolean", false),
    };

    /// <summary>Returns the attribute as a time in Unix seconds, recording an error if it is missing or not one.</summary>
    public DateTimeOffset GetUnixTime(string key) => GetOptionalUnixTime(key) ?? Missing(key, DateTimeOffset.UnixEpoch);

    /// <summary>Returns the attribute as a time in Unix seconds, null if it is missing, recording an error if it is not one.</summary>
    public DateTimeOffset? GetOptionalUnixTime(string key)
    {
        var seconds = GetOptionalInt64(key);
        if (seconds is null)
        {
            return null;
        }

        try
        {
            return DateTimeOffset.FromUnixTimeSeconds(seconds.Value);
        }
        catch (ArgumentOutOfRangeException)
        {
            return Invalid(key, seconds.Value, "a Unix time", DateTimeOffset.UnixEpoch);
        }
    }

    private T Missing<T>(string key, T fallback)
    {
        _errors.Add($"missing attribute '{key}'");
        return fallback;
    }

    private T Invalid<T>(string key, object value, string expected, T fallback)
    {
        _errors.Add($"attribute '{key}' is not {expected}: '{value}'");
        return fallback;
    }
}

using System.Diagnostics.CodeAnalysis;

namespace WaOrleans.Protocol.Binary;

/// <summary>
/// Holds an attribute value: a string, or a <see cref="Jid"/> that travels in a JID encoding.
/// </summary>
/// <remarks>
/// The two stay apart on purpose: WhatsApp peers (whatsmeow) accept <c>pair-device</c> only when
/// <c>from</c> arrives as a JID encoding, while the plain string "s.whatsapp.net" is a token.
/// The <c>default</c> value is the empty string.
/// </remarks>
public readonly struct AttrValue : IEquatable<AttrValue>
{
    private readonly string? _text;
    private readonly Jid _jid;

    /// <summary>Creates a string value.</summary>
    public AttrValue(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        _text = text;
    }

    /// <summary>Creates a JID value.</summary>
    /// <exception cref="ArgumentException">The JID is the empty <c>default</c>.</exception>
    public AttrValue(Jid jid)
    {
        if (jid.IsEmpty)
        {
            throw new ArgumentException("an attribute cannot hold the empty JID", nameof(jid));
        }

        _jid = jid;
    }

    /// <summary>Gets whether the value is a JID (written in a JID encoding) rather than a string.</summary>
    public bool IsJid => !_jid.IsEmpty;

    /// <summary>Returns the JID if the value is one.</summary>
    public bool TryGetJid(out Jid jid)
    {
        jid = _jid;
        return IsJid;
    }

    /// <summary>Returns the string if the value is one (not a JID).</summary>
    public bool TryGetText([NotNullWhen(true)] out string? text)
    {
        text = IsJid ? null : _text ?? "";
        return text is not null;
    }

    /// <summary>Converts a string to a string value.</summary>
    public static implicit operator AttrValue(string text) => new(text);

    /// <summary>Converts a JID to a JID value.</summary>
    public static implicit operator AttrValue(Jid jid) => new(jid);

    /// <summary>Returns the string, or the JID's text form.</summary>
    public override string ToString() => IsJid ? _jid.ToString() : _text ?? "";

    /// <summary>Compares kind and value: a JID never equals a string, even with the same text.</summary>
    public bool Equals(AttrValue other) =>
        IsJid ? other.IsJid && _jid == other._jid : !other.IsJid && ToString() == other.ToString();

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is AttrValue other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => IsJid ? _jid.GetHashCode() : StringComparer.Ordinal.GetHashCode(ToString());

    /// <summary>Compares two values as <see cref="Equals(AttrValue)"/> does.</summary>
    public static bool operator ==(AttrValue left, AttrValue right) => left.Equals(right);

    /// <summary>Compares two values as <see cref="Equals(AttrValue)"/> does, negated.</summary>
    public static bool operator !=(AttrValue left, AttrValue right) => !left.Equals(right);
}

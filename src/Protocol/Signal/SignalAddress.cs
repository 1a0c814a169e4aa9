using System.Globalization;

namespace WaOrleans.Protocol.Signal;

/// <summary>
/// The JID domain of a Signal user name, as WhatsApp numbers them (Baileys <c>WAJIDDomains</c>):
/// the name is the bare user for <see cref="WhatsApp"/>, otherwise <c>user_&lt;domain&gt;</c>.
/// </summary>
public enum SignalUserDomain
{
    /// <summary>A phone-number user (<c>@s.whatsapp.net</c>): the name is the bare user.</summary>
    WhatsApp = 0,

    /// <summary>A hidden user (<c>@lid</c>): the name is <c>user_1</c>.</summary>
    Lid = 1,

    /// <summary>A hosted phone-number user (<c>@hosted</c>): the name is <c>user_128</c>.</summary>
    Hosted = 128,

    /// <summary>A hosted hidden user (<c>@hosted.lid</c>): the name is <c>user_129</c>.</summary>
    HostedLid = 129,
}

/// <summary>
/// A Signal protocol address, written <c>name.device</c> (PROTOCOL.md §5.5): sessions and
/// identities are kept per address.
/// </summary>
/// <param name="Name">The user part: <c>user</c>, or <c>user_1</c>, <c>user_128</c>, <c>user_129</c> by domain.</param>
/// <param name="Device">The device of that user.</param>
public readonly record struct SignalAddress(string Name, DeviceId Device)
{
    /// <summary>Builds the address of a user's device with WhatsApp's naming for its domain.</summary>
    /// <exception cref="ArgumentException">The user is empty or contains a dot.</exception>
    public static SignalAddress ForUser(string user, SignalUserDomain domain, DeviceId device)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        if (user.Contains('.', StringComparison.Ordinal) || user.Contains('_', StringComparison.Ordinal))
        {
            throw new ArgumentException("a user must not contain '.' or '_'", nameof(user));
        }

        var name = domain == SignalUserDomain.WhatsApp
            ? user
            : string.Create(CultureInfo.InvariantCulture, $"{user}_{(int)domain}");
        return new SignalAddress(name, device);
    }

    /// <summary>Parses <c>name.device</c>.</summary>
    /// <exception cref="FormatException">The text has no device part or it is not a number.</exception>
    public static SignalAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var dot = text.LastIndexOf('.');
        if (dot <= 0 || !uint.TryParse(text.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var device))
        {
            throw new FormatException($"'{text}' is not a Signal address (name.device)");
        }

        return new SignalAddress(text[..dot], new DeviceId(device));
    }

    /// <summary>Formats the address as <c>name.device</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name}.{Device.Value}");
}

/// <summary>
/// Names the sender-key record of one sender device in one group; formatted as Baileys' store key
/// <c>groupJid::name::device</c>.
/// </summary>
/// <param name="GroupId">The group JID as a string.</param>
/// <param name="Sender">The sending device's address.</param>
public readonly record struct SenderKeyName(string GroupId, SignalAddress Sender)
{
    /// <summary>Formats the name as <c>groupJid::name::device</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{GroupId}::{Sender.Name}::{Sender.Device.Value}");
}

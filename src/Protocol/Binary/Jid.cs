using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace WaOrleans.Protocol.Binary;

/// <summary>
/// Addresses a WhatsApp user, device, group, broadcast list, channel or server. The text form is
/// <c>user[_agent][:device]@server</c> (Baileys' form); interop JIDs put the integrator in front
/// (<c>integrator-user:device@interop</c>).
/// </summary>
/// <remarks>
/// Device 0 is the primary device and prints without <c>:0</c>, like both reference decoders;
/// <see cref="TryParse(string?, out Jid)"/> accepts <c>:0</c> and drops it. On the wire a JID is
/// written as AD_JID when it has a device or an agent, as FB_JID or INTEROP_JID for the Messenger
/// and interop servers, and as JID_PAIR otherwise (see <see cref="NodeWriter"/>).
/// </remarks>
public readonly record struct Jid : IParsable<Jid>
{
    /// <summary>Creates a JID from its parts, checking that the device fits the server's wire form.</summary>
    /// <exception cref="ArgumentException">The server is empty, or a part does not fit the wire form.</exception>
    public Jid(string user, string server, ushort device = 0, byte agent = 0, ushort integrator = 0)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentException.ThrowIfNullOrEmpty(server);
        if (device > BinaryConstants.MaxAdDevice && server is not (JidServer.Messenger or JidServer.Interop))
        {
            throw new ArgumentOutOfRangeException(nameof(device), device, "only Messenger and interop JIDs carry devices above 255");
        }

        if (integrator != 0 && server != JidServer.Interop)
        {
            throw new ArgumentException("only interop JIDs carry an integrator", nameof(integrator));
        }

        User = user;
        Server = server;
        Device = device;
        Agent = agent;
        Integrator = integrator;
    }

    /// <summary>Gets the server JID (<c>@s.whatsapp.net</c>), the address of WhatsApp itself.</summary>
    public static Jid ServerJid { get; } = new("", JidServer.PhoneNumber);

    /// <summary>Gets the group server (<c>@g.us</c>), the target of group IQs.</summary>
    public static Jid GroupServerJid { get; } = new("", JidServer.Group);

    /// <summary>Gets the broadcast server (<c>@broadcast</c>).</summary>
    public static Jid BroadcastServerJid { get; } = new("", JidServer.Broadcast);

    /// <summary>Gets the status broadcast (<c>status@broadcast</c>), where status updates go.</summary>
    public static Jid StatusBroadcast { get; } = new("status", JidServer.Broadcast);

    /// <summary>Gets the public service announcement account (<c>0@c.us</c>).</summary>
    public static Jid Psa { get; } = new("0", JidServer.LegacyUser);

    /// <summary>Gets the official business account (<c>16505361212@c.us</c>).</summary>
    public static Jid OfficialBusiness { get; } = new("16505361212", JidServer.LegacyUser);

    /// <summary>Gets the user part (digits for phone numbers), or "" for a server JID.</summary>
    public string User { get => field ?? ""; }

    /// <summary>Gets the server part, or "" for the empty <c>default</c> value.</summary>
    public string Server { get => field ?? ""; }

    /// <summary>Gets the device number; 0 is the primary device.</summary>
    public ushort Device { get; }

    /// <summary>Gets the raw agent (the AD_JID domain type of an unusual agent), usually 0.</summary>
    public byte Agent { get; }

    /// <summary>Gets the integrator of an interop JID, otherwise 0.</summary>
    public ushort Integrator { get; }

    /// <summary>Gets whether this is the empty <c>default</c> value rather than a JID.</summary>
    public bool IsEmpty => Server.Length == 0;

    /// <summary>Gets whether this is a phone-number user (<c>…@s.whatsapp.net</c> with a user).</summary>
    public bool IsPhoneNumber => Server == JidServer.PhoneNumber && User.Length > 0;

    /// <summary>Gets whether this is a hidden user (<c>…@lid</c>).</summary>
    public bool IsLid => Server == JidServer.Lid;

    /// <summary>Gets whether this is a group (<c>…@g.us</c>).</summary>
    public bool IsGroup => Server == JidServer.Group;

    /// <summary>Gets whether this is a broadcast list, the status broadcast included.</summary>
    public bool IsBroadcast => Server == JidServer.Broadcast;

    /// <summary>Gets whether this is the status broadcast (<c>status@broadcast</c>).</summary>
    public bool IsStatusBroadcast => IsBroadcast && User == StatusBroadcast.User;

    /// <summary>Gets whether this is a channel (<c>…@newsletter</c>).</summary>
    public bool IsNewsletter => Server == JidServer.Newsletter;

    /// <summary>Gets whether this is a hosted (Cloud API) user, phone number or LID.</summary>
    public bool IsHosted => Server is JidServer.Hosted or JidServer.HostedLid;

    /// <summary>Gets whether this addresses a server rather than a user (no user part, as <c>@s.whatsapp.net</c>).</summary>
    public bool IsServer => User.Length == 0 && !IsEmpty;

    /// <summary>Returns the same user on the same server without device, agent or integrator.</summary>
    public Jid WithoutDevice() => IsEmpty ? this : new(User, Server);

    /// <summary>Returns the same user and server with <paramref name="device"/>.</summary>
    public Jid WithDevice(ushort device) => new(User, Server, device, Agent, Integrator);

    /// <summary>Formats the JID as <c>user[_agent][:device]@server</c>; the empty value formats as "".</summary>
    public override string ToString()
    {
        if (IsEmpty)
        {
            return "";
        }

        var integrator = Integrator != 0 ? Integrator.ToString(CultureInfo.InvariantCulture) + "-" : "";
        var agent = Agent != 0 ? "_" + Agent.ToString(CultureInfo.InvariantCulture) : "";
        var device = Device != 0 ? ":" + Device.ToString(CultureInfo.InvariantCulture) : "";
        return string.Concat(integrator, User, agent, device, "@", Server);
    }

    /// <summary>Parses <c>user[_agent][:device]@server</c>.</summary>
    /// <exception cref="FormatException">The text is not a JID.</exception>
    public static Jid Parse(string s) =>
        TryParse(s, out var jid) ? jid : throw new FormatException($"'{s}' is not a JID (user[_agent][:device]@server)");

    /// <summary>Parses <c>user[_agent][:device]@server</c>; the provider is ignored.</summary>
    /// <exception cref="FormatException">The text is not a JID.</exception>
    public static Jid Parse(string s, IFormatProvider? provider) => Parse(s);

    /// <summary>Tries to parse <c>user[_agent][:device]@server</c>; the provider is ignored.</summary>
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out Jid result) => TryParse(s, out result);

    /// <summary>
    /// Tries to parse <c>user[_agent][:device]@server</c>. An underscore suffix that is not a
    /// number 0–255 stays part of the user; a device suffix must be a number.
    /// </summary>
    public static bool TryParse([NotNullWhen(true)] string? s, out Jid result)
    {
        result = default;
        var at = s?.IndexOf('@', StringComparison.Ordinal) ?? -1;
        if (at < 0)
        {
            return false;
        }

        var server = s![(at + 1)..];
        if (server.Length == 0 || server.Contains('@', StringComparison.Ordinal))
        {
            return false;
        }

        var user = s.AsSpan(0, at);
        ushort device = 0;
        var colon = user.IndexOf(':');
        if (colon >= 0)
        {
            if (!ushort.TryParse(user[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out device))
            {
                return false;
            }

            user = user[..colon];
        }

        byte agent = 0;
        var underscore = user.IndexOf('_');
        if (underscore >= 0 && byte.TryParse(user[(underscore + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out agent))
        {
            user = user[..underscore];
        }

        ushort integrator = 0;
        var dash = user.IndexOf('-');
        if (server == JidServer.Interop && dash > 0 &&
            ushort.TryParse(user[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out integrator))
        {
            user = user[(dash + 1)..];
        }

        if (device > BinaryConstants.MaxAdDevice && server is not (JidServer.Messenger or JidServer.Interop))
        {
            return false;
        }

        result = new Jid(user.ToString(), server, device, agent, integrator);
        return true;
    }
}

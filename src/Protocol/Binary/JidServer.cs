namespace WaOrleans.Protocol.Binary;

/// <summary>Names the JID servers (the part after '@') that WhatsApp uses.</summary>
public static class JidServer
{
    /// <summary>The phone-number user server.</summary>
    public const string PhoneNumber = "s.whatsapp.net";

    /// <summary>The hidden-user (LID) server.</summary>
    public const string Lid = "lid";

    /// <summary>The group server.</summary>
    public const string Group = "g.us";

    /// <summary>The broadcast-list server, also used by <c>status@broadcast</c>.</summary>
    public const string Broadcast = "broadcast";

    /// <summary>The channel (newsletter) server.</summary>
    public const string Newsletter = "newsletter";

    /// <summary>The legacy user server, still used by a few well-known JIDs.</summary>
    public const string LegacyUser = "c.us";

    /// <summary>The hosted (Cloud API business) phone-number server.</summary>
    public const string Hosted = "hosted";

    /// <summary>The hosted (Cloud API business) LID server.</summary>
    public const string HostedLid = "hosted.lid";

    /// <summary>The Meta AI bot server.</summary>
    public const string Bot = "bot";

    /// <summary>The Messenger server, written as FB_JID.</summary>
    public const string Messenger = "msgr";

    /// <summary>The interop server, written as INTEROP_JID.</summary>
    public const string Interop = "interop";

    /// <summary>The call server.</summary>
    public const string Call = "call";
}

namespace WaOrleans.Protocol.Binary;

/// <summary>Names the JID servers (the part after '@') that WhatsApp uses.</summary>
public static class JidServer
{
    /// <summary>Names the phone-number user server.</summary>
    public const string PhoneNumber = "s.whatsapp.net";

    /// <summary>Names the hidden-user (LID) server.</summary>
    public const string Lid = "lid";

    /// <summary>Names the group server.</summary>
    public const string Group = "g.us";

    /// <summary>Names the broadcast-list server, also used by <c>status@broadcast</c>.</summary>
    public const string Broadcast = "broadcast";

    /// <summary>Names the channel (newsletter) server.</summary>
    public const string Newsletter = "newsletter";

    /// <summary>Names the legacy user server, still used by a few well-known JIDs.</summary>
    public const string LegacyUser = "c.us";

    /// <summary>Names the hosted (Cloud API business) phone-number server.</summary>
    public const string Hosted = "hosted";

    /// <summary>Names the hosted (Cloud API business) LID server.</summary>
    public const string HostedLid = "hosted.lid";

    /// <summary>Names the Meta AI bot server.</summary>
    public const string Bot = "bot";

    /// <summary>Names the Messenger server, written as FB_JID.</summary>
    public const string Messenger = "msgr";

    /// <summary>Names the interop server, written as INTEROP_JID.</summary>
    public const string Interop = "interop";

    /// <summary>Names the call server.</summary>
    public const string Call = "call";
}

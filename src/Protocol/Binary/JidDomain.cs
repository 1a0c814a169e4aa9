namespace WaOrleans.Protocol.Binary;

/// <summary>
/// Maps between an AD_JID's domain-type byte and the JID's server and agent (Baileys
/// <c>WAJIDDomains</c>, whatsmeow <c>ActualAgent</c>/<c>NewADJID</c>).
/// </summary>
internal static class JidDomain
{
    /// <summary>The domain type of phone-number users (and of any server without its own type).</summary>
    public const byte WhatsApp = 0;

    /// <summary>The domain type of hidden users (<c>lid</c>).</summary>
    public const byte Lid = 1;

    /// <summary>The domain type of hosted phone-number users.</summary>
    public const byte Hosted = 128;

    /// <summary>The domain type of hosted LID users.</summary>
    public const byte HostedLid = 129;

    /// <summary>Returns the domain-type byte to write for <paramref name="jid"/>: its server's type, else its agent.</summary>
    public static byte ToDomainType(in Jid jid) => jid.Server switch
    {
        JidServer.Lid => Lid,
        JidServer.Hosted => Hosted,
        JidServer.HostedLid => HostedLid,
        _ => jid.Agent,
    };

    /// <summary>
    /// Returns the server a domain type stands for; an unknown type is a raw agent on the
    /// phone-number server, which whatsmeow keeps and Baileys drops.
    /// </summary>
    public static string ToServer(byte domainType, out byte agent)
    {
        agent = 0;
        switch (domainType)
        {
            case Lid:
                return JidServer.Lid;
            case Hosted:
                return JidServer.Hosted;
            case HostedLid:
                return JidServer.HostedLid;
            default:
                agent = domainType;
                return JidServer.PhoneNumber;
        }
    }
}

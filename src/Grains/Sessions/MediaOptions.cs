namespace WaOrleans.Grains.Sessions;

/// <summary>
/// The operator's policy for media sent by URL, bound from <c>WaOrleans:Media</c> (environment:
/// <c>WAORLEANS__MEDIA__…</c>).
/// </summary>
public sealed class MediaOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string Section = "WaOrleans:Media";

    /// <summary>
    /// Gets or sets whether a message's media URL may point at a private, loopback or link-local
    /// address (localhost, 10/8, 192.168/16, cloud metadata…). Off by default, so an API user cannot
    /// make the gateway fetch from the operator's network and send it to a WhatsApp chat; the demo
    /// mode and tests that serve media from loopback turn it on.
    /// </summary>
    public bool AllowPrivateUrls { get; set; }
}

using System.Net;
using System.Net.Sockets;

namespace WaOrleans.Grains.Webhooks;

/// <summary>
/// Keeps webhooks off the operator's own network unless <see cref="WebhookOptions.AllowPrivateTargets"/>:
/// loopback, private (RFC 1918, unique-local), link-local and other non-public addresses are
/// refused when a webhook is created and again at every connection (DNS may change in between).
/// </summary>
internal static class WebhookTargetGuard
{
    /// <summary>Refuses a URL whose host is, or resolves to, a non-public address.</summary>
    /// <exception cref="GatewayException">The target is not allowed, or its host does not resolve.</exception>
    public static async Task CheckAsync(Uri url, bool allowPrivate, CancellationToken cancellationToken)
    {
        if (allowPrivate)
        {
            return;
        }

        IPAddress[] addresses;
        try
        {
            addresses = await ResolveAsync(url.IdnHost, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "webhook_target_unresolvable", $"the host '{url.Host}' does not resolve ({e.SocketErrorCode})", "url");
        }

        if (addresses.Length == 0 || addresses.Any(IsPrivate))
        {
            throw new GatewayException(
                GatewayErrorKind.Invalid,
                "webhook_target_not_allowed",
                $"the host '{url.Host}' is a private, loopback or link-local address; the operator does not allow such webhook targets",
                "url");
        }
    }

    /// <summary>Resolves a host name (or parses a literal address) to its addresses.</summary>
    public static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        if (IPAddress.TryParse(bare, out var literal))
        {
            return [literal];
        }

        // "localhost" and its subdomains are loopback by definition (RFC 6761), whatever a resolver says.
        if (bare.Equals("localhost", StringComparison.OrdinalIgnoreCase) || bare.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return [IPAddress.Loopback];
        }

        return await Dns.GetHostAddressesAsync(bare, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets whether an address is not a public unicast address.</summary>
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var length))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork && length == 4)
        {
            return bytes[0] switch
            {
                0 => true,                                  // 0.0.0.0/8 "this network"
                10 => true,                                 // 10/8
                127 => true,                                // loopback 127/8
                100 => (bytes[1] & 0xC0) == 64,             // 100.64/10 carrier-grade NAT
                169 => bytes[1] == 254,                     // link-local 169.254/16 (cloud metadata)
                172 => (bytes[1] & 0xF0) == 16,             // 172.16/12
                192 => bytes[1] == 168,                     // 192.168/16
                >= 224 => true,                             // multicast, reserved, broadcast
                _ => false,
            };
        }

        return address.Equals(IPAddress.IPv6Loopback)
            || address.Equals(IPAddress.IPv6Any)
            || (bytes[0] & 0xFE) == 0xFC                     // unique local fc00::/7
            || (bytes[0] == 0xFE && (bytes[1] & 0xC0) == 0x80) // link-local fe80::/10
            || bytes[0] == 0xFF;                             // multicast ff00::/8
    }
}

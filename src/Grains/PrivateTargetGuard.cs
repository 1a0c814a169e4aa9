using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace WaOrleans.Grains;

/// <summary>
/// Keeps the gateway's outgoing HTTP requests to URLs a caller gave (webhooks, media by URL) off
/// the operator's own network unless the operator allows it (<c>WaOrleans:Webhooks:AllowPrivateTargets</c>,
/// <c>WaOrleans:Media:AllowPrivateUrls</c>): loopback, private (RFC 1918, unique-local), link-local
/// and other non-public addresses are refused when the URL is given and again at every connection
/// (<see cref="ConnectAsync"/>: DNS may change in between, and a redirect may point elsewhere).
/// </summary>
internal static class PrivateTargetGuard
{
    /// <summary>
    /// Refuses a URL whose host is, or resolves to, a non-public address, with
    /// <c>{codePrefix}_not_allowed</c> (or <c>{codePrefix}_unresolvable</c>) naming <paramref name="field"/>.
    /// </summary>
    /// <exception cref="GatewayException">The target is not allowed, or its host does not resolve.</exception>
    public static async Task CheckAsync(Uri url, bool allowPrivate, string codePrefix, string field, string what, CancellationToken cancellationToken)
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
            throw new GatewayException(GatewayErrorKind.Invalid, codePrefix + "_unresolvable", $"the host '{url.Host}' does not resolve ({e.SocketErrorCode})", field);
        }

        if (addresses.Length == 0 || addresses.Any(IsPrivate))
        {
            throw new GatewayException(
                GatewayErrorKind.Invalid,
                codePrefix + "_not_allowed",
                $"the host '{url.Host}' is a private, loopback or link-local address; the operator does not allow such {what}",
                field);
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

    /// <summary>
    /// Connects an <see cref="SocketsHttpHandler"/> (its <c>ConnectCallback</c>) only to public
    /// addresses of the host unless <paramref name="allowPrivate"/>: the check at the moment of
    /// the connection, which a later DNS answer or a redirect cannot get around.
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, bool allowPrivate, CancellationToken cancellationToken)
    {
        var addresses = await ResolveAsync(context.DnsEndPoint.Host, cancellationToken).ConfigureAwait(false);
        if (!allowPrivate)
        {
            addresses = addresses.Where(a => !IsPrivate(a)).ToArray();
            if (addresses.Length == 0)
            {
                throw new HttpRequestException($"the target {context.DnsEndPoint.Host} resolves to a private, loopback or link-local address, which the operator does not allow");
            }
        }

        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }
}

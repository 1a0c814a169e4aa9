using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using WaOrleans.Protocol.Binary;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// USync (PROTOCOL.md §6.2, §9.1): device lists with a cache that <c>devices</c> notifications
/// invalidate, LID lookups that feed the LID store, and the number check.
/// </summary>
public sealed partial class WaClient
{
    /// <summary>How long a device list is trusted without a notification: Baileys' 5-minute cache (PROTOCOL.md §6.2).</summary>
    private static readonly TimeSpan DeviceCacheLifetime = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<Jid, (IReadOnlyList<ushort> Devices, DateTimeOffset Expires)> _deviceCache = new();

    /// <summary>
    /// Checks which numbers are on WhatsApp with a USync contact query (PROTOCOL.md §9.1); each
    /// number is digits with an optional leading <c>+</c>.
    /// </summary>
    public async Task<IReadOnlyList<OnWhatsAppResult>> IsOnWhatsAppAsync(IEnumerable<string> phones, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(phones);
        var digits = phones.Select(p => new string([.. p.Where(char.IsAsciiDigit)])).Where(p => p.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (digits.Count == 0)
        {
            return [];
        }

        var users = digits.Select(d => new Node("user", content: NodeContent.FromChildren(
            new Node("contact", content: Encoding.UTF8.GetBytes("+" + d))))).ToList();
        var reply = await UsyncAsync("interactive", [new Node("contact"), new Node("lid")], users, cancellationToken).ConfigureAwait(false);
        var results = new List<OnWhatsAppResult>();
        foreach (var user in reply)
        {
            if (!Jid.TryParse(user.GetAttr("jid"), out var jid))
            {
                continue;
            }

            var lid = await LearnLidAsync(jid, user, cancellationToken).ConfigureAwait(false);
            results.Add(new OnWhatsAppResult(jid.User, jid, user.GetChild("contact")?.GetAttr("type") == "in", lid));
        }

        return results;
    }

    /// <summary>Gets the device ids of users (PN or LID, without device), from the cache or one USync query for the rest.</summary>
    private async Task<Dictionary<Jid, IReadOnlyList<ushort>>> GetDevicesAsync(IEnumerable<Jid> users, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var result = new Dictionary<Jid, IReadOnlyList<ushort>>();
        var missing = new List<Jid>();
        foreach (var user in users.Select(u => u.WithoutDevice()).Distinct())
        {
            if (_deviceCache.TryGetValue(user, out var cached) && cached.Expires > now)
            {
                result[user] = cached.Devices;
            }
            else
            {
                missing.Add(user);
            }
        }

        if (missing.Count == 0)
        {
            return result;
        }

        var reply = await UsyncAsync("message", [new Node("devices", Attrs(("version", "2"))), new Node("lid")],
            [.. missing.Select(u => new Node("user", Attrs(("jid", u))))], cancellationToken).ConfigureAwait(false);
        foreach (var user in reply)
        {
            if (!Jid.TryParse(user.GetAttr("jid"), out var jid) || user.GetChild("devices", "device-list") is not { } list)
            {
                continue;
            }

            await LearnLidAsync(jid, user, cancellationToken).ConfigureAwait(false);
            var devices = list.GetChildren("device")
                .Select(d => ushort.TryParse(d.GetAttr("id"), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? (ushort?)id : null)
                .OfType<ushort>()
                .ToList();
            _deviceCache[jid.WithoutDevice()] = (devices, now + DeviceCacheLifetime);
            result[jid.WithoutDevice()] = devices;
        }

        return result;
    }

    /// <summary>Drops cached device lists after a <c>devices</c> notification (PROTOCOL.md §7.7).</summary>
    private void InvalidateDevices(Node notification)
    {
        if (Jid.TryParse(notification.GetAttr("from"), out var from))
        {
            _deviceCache.TryRemove(from.WithoutDevice(), out _);
        }

        if (Jid.TryParse(notification.GetAttr("lid"), out var lid))
        {
            _deviceCache.TryRemove(lid.WithoutDevice(), out _);
        }
    }

    /// <summary>Stores the LID a USync user node names; returns it.</summary>
    private async Task<Jid?> LearnLidAsync(Jid jid, Node user, CancellationToken cancellationToken)
    {
        if (!jid.IsPhoneNumber || !Jid.TryParse(user.GetChild("lid")?.GetAttr("val"), out var lid) || !lid.IsLid)
        {
            return null;
        }

        await _store.Lids.StoreMappingAsync(lid.WithoutDevice(), jid.WithoutDevice(), cancellationToken).ConfigureAwait(false);
        return lid.WithoutDevice();
    }

    /// <summary>Gets the LID of a phone-number user from the store, asking USync when it is unknown.</summary>
    private async Task<Jid?> ResolveLidAsync(Jid phoneNumber, CancellationToken cancellationToken)
    {
        if (await _store.Lids.GetLidAsync(phoneNumber.WithoutDevice(), cancellationToken).ConfigureAwait(false) is { } known)
        {
            return known;
        }

        var reply = await UsyncAsync("background", [new Node("lid")], [new Node("user", Attrs(("jid", phoneNumber.WithoutDevice())))], cancellationToken)
            .ConfigureAwait(false);
        foreach (var user in reply)
        {
            if (Jid.TryParse(user.GetAttr("jid"), out var jid) && await LearnLidAsync(jid, user, cancellationToken).ConfigureAwait(false) is { } lid)
            {
                return lid;
            }
        }

        return null;
    }

    /// <summary>Sends one USync query and returns the <c>user</c> nodes of its answer.</summary>
    private async Task<IReadOnlyList<Node>> UsyncAsync(string context, IReadOnlyList<Node> protocols, IReadOnlyList<Node> users, CancellationToken cancellationToken)
    {
        var connection = _connection ?? throw new Noise.TransportException(Noise.TransportErrorKind.Closed, "the client is not connected");
        var usync = new Node("usync", Attrs(("context", context), ("mode", "query"), ("sid", NextId()), ("last", "true"), ("index", "0")),
            NodeContent.FromChildren(new Node("query", content: NodeContent.FromChildren(protocols)), new Node("list", content: NodeContent.FromChildren(users))));
        var reply = await SendIqAsync(connection, new IqRequest("usync", "get", null, [usync]), cancellationToken).ConfigureAwait(false);
        return reply.GetChild("usync", "list")?.GetChildren("user") ?? [];
    }

    /// <summary>Builds an attribute map from pairs.</summary>
    private static Dictionary<string, AttrValue> Attrs(params ReadOnlySpan<(string Key, AttrValue Value)> pairs)
    {
        var attrs = new Dictionary<string, AttrValue>(pairs.Length, StringComparer.Ordinal);
        foreach (var (key, value) in pairs)
        {
            attrs[key] = value;
        }

        return attrs;
    }
}

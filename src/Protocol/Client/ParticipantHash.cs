using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using WaOrleans.Protocol.Binary;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// The participant hash (<c>phash</c>) of a fan-out (PROTOCOL.md §6.4, whatsmeow
/// <c>participantListHashV2</c>): <c>"2:"</c> and the first 6 bytes of SHA-256 over the sorted
/// AD strings (<c>user.agent:device@server</c>) of every device, in unpadded base64. The server
/// echoes its own in the ack; a different one means our device lists are stale.
/// </summary>
public static class ParticipantHash
{
    /// <summary>The hash bytes kept: 6, which base64 writes as 8 characters without padding.</summary>
    private const int HashBytes = 6;

    /// <summary>The version prefix of the hash format.</summary>
    private const string Prefix = "2:";

    /// <summary>Computes the hash of a set of device JIDs (order and duplicates do not matter).</summary>
    public static string Compute(IEnumerable<Jid> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        var strings = devices.Distinct()
            .Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.User}.{d.Agent}:{d.Device}@{d.Server}"))
            .Order(StringComparer.Ordinal);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(strings)));
        return Prefix + Convert.ToBase64String(hash, 0, HashBytes).TrimEnd('=');
    }
}

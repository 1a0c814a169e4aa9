using WaOrleans.Protocol.Crypto;

namespace WaOrleans.Simulator;

/// <summary>The fields a phone reads from a companion's QR string (PROTOCOL.md §4.1).</summary>
/// <param name="Ref">The server ref the QR shows.</param>
/// <param name="NoiseKey">The companion's Noise static public key.</param>
/// <param name="IdentityKey">The companion's identity public key.</param>
/// <param name="AdvSecret">The companion's ADV secret, which keys the pair-success HMAC.</param>
internal sealed record QrCode(string Ref, byte[] NoiseKey, byte[] IdentityKey, byte[] AdvSecret)
{
    /// <summary>How many comma-separated fields the oldest accepted form has (ref, noise, identity, adv).</summary>
    private const int MinFields = 4;

    /// <summary>Parses <c>[https://wa.me/settings/linked_devices#]ref,noise,identity,adv[,platform]</c>; null if malformed.</summary>
    public static QrCode? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var body = text.StartsWith(SimConstants.QrPrefix, StringComparison.Ordinal) ? text[SimConstants.QrPrefix.Length..] : text;
        var fields = body.Split(',');
        if (fields.Length < MinFields || fields[0].Length == 0)
        {
            return null;
        }

        var keys = new byte[3][];
        for (var i = 0; i < keys.Length; i++)
        {
            var key = new byte[Curve25519.KeySize];
            if (!Convert.TryFromBase64String(fields[i + 1], key, out var written) || written != Curve25519.KeySize)
            {
                return null;
            }

            keys[i] = key;
        }

        return new QrCode(fields[0], keys[0], keys[1], keys[2]);
    }

    /// <summary>Describes the QR by its ref only; the ADV secret is never printed.</summary>
    public override string ToString() => $"QrCode({Ref})";
}

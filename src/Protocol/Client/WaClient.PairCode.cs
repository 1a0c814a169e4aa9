using System.Text;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Noise;

namespace WaOrleans.Protocol.Client;

/// <summary>Pairing-code linking (PROTOCOL.md §4.4): companion_hello, the phone's primary_hello, companion_finish.</summary>
public sealed partial class WaClient
{
    /// <summary>The longest phone number E.164 allows.</summary>
    private const int MaxPhoneDigits = 15;

    /// <summary>
    /// Asks the server to link this unpaired device to <paramref name="phoneNumber"/> by code instead
    /// of QR. Call it once the client is <see cref="WaConnectionState.AwaitingQr"/>. QR codes stop;
    /// the code is returned and raised as <see cref="PairingCodeEvent"/>; the user types it on the
    /// phone, and pairing ends with <see cref="PairSuccessEvent"/>.
    /// </summary>
    /// <param name="phoneNumber">The phone's number in international format (digits, optionally after +).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The code formatted for display, <c>XXXX-XXXX</c>.</returns>
    /// <exception cref="ArgumentException">The number is not 1 to 15 digits.</exception>
    /// <exception cref="InvalidOperationException">The client is not connected as an unpaired device.</exception>
    /// <exception cref="IqException">The server refused the request (for example, an unknown number).</exception>
    public async Task<string> RequestPairingCodeAsync(string phoneNumber, CancellationToken cancellationToken = default)
    {
        var digits = (phoneNumber ?? "").Trim().TrimStart('+');
        if (digits.Length is 0 or > MaxPhoneDigits || !digits.All(char.IsAsciiDigit))
        {
            throw new ArgumentException("a phone number is 1 to 15 digits, optionally after a +", nameof(phoneNumber));
        }

        var connection = _connection;
        var credentials = Credentials;
        if (connection is not { Registering: true } || credentials is null || credentials.IsPaired)
        {
            throw new InvalidOperationException("a pairing code needs a connected, unpaired client (state AwaitingQr)");
        }

        var code = PairingCodeCrypto.GenerateCode(_options.Random);
        var phone = new Jid(digits, JidServer.PhoneNumber);
        var wrapped = PairingCodeCrypto.WrapEphemeral(code, credentials.PairingEphemeralKey.PublicKey, _options.Random);
        var platform = ClientPayloadFactory.QrPlatformId(_options.Browser);
        var hello = new Node("link_code_companion_reg", LinkCodeAttrs(phone, "companion_hello", ("should_show_push_notification", "true")), NodeContent.FromChildren(
            new Node("link_code_pairing_wrapped_companion_ephemeral_pub", content: wrapped),
            new Node("companion_server_auth_key_pub", content: credentials.NoiseKey.PublicKeyBytes()),
            new Node("companion_platform_id", content: platform),
            new Node("companion_platform_display", content: $"{_options.Browser} ({_options.OperatingSystem})"),
            new Node("link_code_pairing_nonce", content: "0")));
        var reply = await SendIqAsync(connection, new IqRequest("md", "set", null, [hello]), cancellationToken).ConfigureAwait(false);
        var reference = ChildBytes(reply.GetChild("link_code_companion_reg"), "link_code_pairing_ref")
            ?? throw new IqException("the server's companion_hello answer carries no pairing ref");

        connection.PairingCode = new PendingPairingCode(code, reference, phone);
        connection.QrRotation?.Cancel();
        var formatted = PairingCodeCrypto.Format(code);
        await SetStateAsync(WaConnectionState.AwaitingPairingCode).ConfigureAwait(false);
        await RaiseAsync(new PairingCodeEvent(formatted)).ConfigureAwait(false);
        return formatted;
    }

    /// <summary>
    /// Handles the phone's primary_hello: unwraps its ephemeral key with the code, builds the key
    /// bundle, switches to the derived ADV secret and sends companion_finish. pair-success follows.
    /// </summary>
    private async Task HandlePairingCodeNotificationAsync(ClientConnection connection, Node notification)
    {
        var body = notification.GetChild("link_code_companion_reg");
        var pending = connection.PairingCode;
        var credentials = Credentials;
        if (body is null || pending is null || credentials is null)
        {
            return;
        }

        var reference = ChildBytes(body, "link_code_pairing_ref");
        var primaryIdentity = ChildBytes(body, "primary_identity_pub");
        var wrappedPrimary = ChildBytes(body, "link_code_pairing_wrapped_primary_ephemeral_pub");
        if (reference is null || !reference.AsSpan().SequenceEqual(pending.Ref))
        {
            throw new PairingException("the primary_hello names a different pairing ref");
        }

        if (primaryIdentity is not { Length: Curve25519.KeySize } || wrappedPrimary is null)
        {
            throw new PairingException("the primary_hello lacks the phone's identity or ephemeral key");
        }

        var primaryEphemeral = PairingCodeCrypto.UnwrapEphemeral(pending.Code, wrappedPrimary);
        var ephemeralShared = Curve25519.SharedKey(credentials.PairingEphemeralKey.PrivateKey, primaryEphemeral);
        var (bundle, advSecret) = PairingCodeCrypto.BuildKeyBundle(ephemeralShared, credentials.IdentityKey, primaryIdentity, _options.Random);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(ephemeralShared);

        // The phone keys pair-success's HMAC with the derived secret, so it must be in place first.
        var updated = credentials with { AdvSecret = advSecret };
        await _store.SaveCredentialsAsync(updated, connection.Token).ConfigureAwait(false);
        SetCredentials(updated);

        var finish = new Node("link_code_companion_reg", LinkCodeAttrs(pending.Phone, "companion_finish"), NodeContent.FromChildren(
            new Node("link_code_pairing_wrapped_key_bundle", content: bundle),
            new Node("companion_identity_public", content: credentials.IdentityKey.KeyPair.PublicKeyBytes()),
            new Node("link_code_pairing_ref", content: pending.Ref)));
        await SendIqAsync(connection, new IqRequest("md", "set", null, [finish]), connection.Token).ConfigureAwait(false);
        connection.PairingCode = null;
    }

    private static Dictionary<string, AttrValue> LinkCodeAttrs(Jid phone, string stage, params ReadOnlySpan<(string Key, string Value)> extra)
    {
        var attrs = new Dictionary<string, AttrValue>(StringComparer.Ordinal) { ["jid"] = phone, ["stage"] = stage };
        foreach (var (key, value) in extra)
        {
            attrs[key] = value;
        }

        return attrs;
    }

    /// <summary>Returns a child's bytes (text content as UTF-8), or null when missing.</summary>
    private static byte[]? ChildBytes(Node? node, string tag)
    {
        var child = node?.GetChild(tag);
        if (child is null)
        {
            return null;
        }

        if (child.Content.TryGetBytes(out var bytes))
        {
            return bytes.ToArray();
        }

        return child.Content.TryGetText(out var text) ? Encoding.UTF8.GetBytes(text) : null;
    }
}

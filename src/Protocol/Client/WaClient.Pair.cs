using System.Text;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Signal;

namespace WaOrleans.Protocol.Client;

/// <summary>QR pairing (PROTOCOL.md §4.1–4.3): pair-device refs shown as rotating QR codes, pair-success verified and answered.</summary>
public sealed partial class WaClient
{
    private async Task HandlePairDeviceAsync(ClientConnection connection, Node iq, Node pairDevice)
    {
        await SendIqResultAsync(connection, iq).ConfigureAwait(false);
        var refs = new List<string>();
        foreach (var reference in pairDevice.GetChildren("ref"))
        {
            if (reference.Content.TryGetBytes(out var bytes))
            {
                refs.Add(Encoding.UTF8.GetString(bytes.Span));
            }
            else if (reference.Content.TryGetText(out var text))
            {
                refs.Add(text);
            }
        }

        if (Credentials is not { } credentials || refs.Count == 0)
        {
            return;
        }

        await SetStateAsync(WaConnectionState.AwaitingQr).ConfigureAwait(false);
        var rotation = CancellationTokenSource.CreateLinkedTokenSource(connection.Token);
        connection.QrRotation = rotation;
        // Rotation runs beside the handler loop, which must stay free for the pair-success.
        _ = Task.Run(() => RotateQrCodesAsync(connection, credentials.NoiseKey.PublicKeyBytes(), credentials.IdentityKey.KeyPair.PublicKeyBytes(),
            credentials.AdvSecret.ToArray(), refs, rotation.Token), CancellationToken.None);
    }

    /// <summary>Shows each ref for its lifetime (60 s, then 20 s each); when the last expires, the connection ends without reconnecting.</summary>
    private async Task RotateQrCodesAsync(
        ClientConnection connection, byte[] noiseKey, byte[] identityKey, byte[] advSecret, List<string> refs, CancellationToken cancellationToken)
    {
        var platform = ClientPayloadFactory.QrPlatformId(_options.Browser);
        var keys = $"{Convert.ToBase64String(noiseKey)},{Convert.ToBase64String(identityKey)},{Convert.ToBase64String(advSecret)},{platform}";
        try
        {
            for (var i = 0; i < refs.Count; i++)
            {
                var lifetime = i == 0 ? _options.FirstQrLifetime : _options.QrLifetime;
                await RaiseAsync(new QrCodeEvent($"{ClientConstants.QrPrefix}{refs[i]},{keys}", lifetime)).ConfigureAwait(false);
                await Task.Delay(lifetime, _time, cancellationToken).ConfigureAwait(false);
            }

            await connection.EndAsync(new ConnectionOutcome(OutcomeKind.Stopped, "QR codes ran out before a phone scanned one")).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // Scanned, switched to a pairing code, or the connection (or the whole client) ended.
        }
    }

    /// <summary>
    /// Handles pair-success (§4.2): verifies HMAC and account signature (refusing with an iq error
    /// otherwise), saves our JIDs and the signed account, and answers pair-device-sign. The server
    /// then restarts the stream (515) and the client logs in.
    /// </summary>
    private async Task HandlePairSuccessAsync(ClientConnection connection, Node iq, Node pairSuccess)
    {
        var credentials = Credentials;
        var identityNode = pairSuccess.GetChild("device-identity");
        var deviceNode = pairSuccess.GetChild("device");
        if (credentials is null || identityNode is null || !identityNode.Content.TryGetBytes(out var signedHmac)
            || deviceNode?.GetAttr("jid") is not { } jidText || !Jid.TryParse(jidText, out var jid))
        {
            await RefusePairingAsync(connection, iq, new PairingException("pair-success is missing its device identity or JID")).ConfigureAwait(false);
            return;
        }

        VerifiedPairing verified;
        try
        {
            verified = AdvPairing.VerifyAndSign(signedHmac.Span, credentials.AdvSecret.Span, credentials.IdentityKey);
        }
        catch (PairingException ex)
        {
            await RefusePairingAsync(connection, iq, ex).ConfigureAwait(false);
            return;
        }

        connection.QrRotation?.Cancel();
        Jid? lid = deviceNode.GetAttr("lid") is { } lidText && Jid.TryParse(lidText, out var parsedLid) ? parsedLid : null;
        var platform = pairSuccess.GetChild("platform")?.GetAttr("name");
        var business = pairSuccess.GetChild("biz")?.GetAttr("name");
        var paired = credentials with
        {
            Me = jid,
            MeLid = lid,
            Platform = platform,
            BusinessName = business,
            Account = verified.Account,
        };
        // Saved before answering: a device the server believes paired must never lack its credentials.
        await _store.SaveCredentialsAsync(paired, connection.Token).ConfigureAwait(false);
        SetCredentials(paired);
        await RememberPrimaryIdentityAsync(jid, lid, verified.AccountSignatureKey, connection.Token).ConfigureAwait(false);

        var keyIndex = identityNode.GetAttr("key-index") ?? verified.KeyIndex.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signNode = new Node("pair-device-sign", content: NodeContent.FromChildren(
            new Node("device-identity", new Dictionary<string, AttrValue>(StringComparer.Ordinal) { ["key-index"] = keyIndex }, verified.Reply)));
        await SendIqResultAsync(connection, iq, signNode).ConfigureAwait(false);
        LogMessages.PairSuccess(_logger, jid.ToString(), lid?.ToString(), platform);
        await RaiseAsync(new PairSuccessEvent(jid, lid, platform, business)).ConfigureAwait(false);
    }

    private async Task RefusePairingAsync(ClientConnection connection, Node iq, PairingException error)
    {
        LogMessages.PairRejected(_logger, error.Message);
        await SendIqErrorAsync(connection, iq, error.Code, error.Text).ConfigureAwait(false);
        await RaiseAsync(new PairErrorEvent(error.Text)).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores the phone's identity for our account's device 0, as whatsmeow does, so sessions with
    /// our own phone are checked against the key that signed this pairing.
    /// </summary>
    private async Task RememberPrimaryIdentityAsync(Jid me, Jid? lid, byte[] accountKey, CancellationToken cancellationToken)
    {
        if (_signal is not { } signal)
        {
            return;
        }

        var identity = IdentityKey.FromBytes(accountKey);
        var changes = new Signal.Stores.SignalChangeSet();
        changes.SaveIdentity(SignalAddress.ForUser(me.User, SignalUserDomain.WhatsApp, new DeviceId(0)), identity);
        if (lid is { } lidJid)
        {
            changes.SaveIdentity(SignalAddress.ForUser(lidJid.User, SignalUserDomain.Lid, new DeviceId(0)), identity);
            await _store.Lids.StoreMappingAsync(lidJid, me, cancellationToken).ConfigureAwait(false);
        }

        await signal.CommitAsync(changes, cancellationToken).ConfigureAwait(false);
    }
}

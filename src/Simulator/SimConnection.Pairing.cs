using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Proto;

namespace WaOrleans.Simulator;

/// <summary>Registration of a new companion: QR refs, pair-success, pair-device-sign, 515 (PROTOCOL.md §4.1–4.4).</summary>
internal sealed partial class SimConnection
{
    /// <summary>Random bytes behind each QR ref; enough that refs are never guessed or repeated.</summary>
    private const int QrRefEntropy = 24;

    /// <summary>Real refs start with "2@"; clients treat refs as opaque, so only the look is copied.</summary>
    private const string QrRefPrefix = "2@";

    /// <summary>Random bytes in a pairing-code ref.</summary>
    private const int CodeRefEntropy = 8;

    private SignalRegistration? _registration;
    private int _pairing;

    /// <summary>Gets the Signal registration a registering client sent, or null for a login.</summary>
    public SignalRegistration? Registration => _registration;

    /// <summary>
    /// Links this registering client to <paramref name="account"/> as the scanning phone would:
    /// sends pair-success with an ADV identity whose HMAC is keyed by <paramref name="advSecret"/>,
    /// verifies the client's device signature, stores the device, then sends 515 and closes.
    /// </summary>
    /// <exception cref="PairingException">The client is not registering, is already pairing, or answered wrongly.</exception>
    public async Task<SimDevice> CompletePairingAsync(SimAccount account, byte[] advSecret, CancellationToken cancellationToken)
    {
        var registration = _registration ?? throw new PairingException("the connection is not a registration");
        if (Interlocked.Exchange(ref _pairing, 1) != 0)
        {
            throw new PairingException("the connection is already pairing");
        }

        _server.State.RemoveQrRefs(this);
        (ushort DeviceId, uint KeyIndex) slot;
        lock (_server.State.Sync)
        {
            slot = account.ReserveDeviceSlot();
        }

        var now = _server.Options.TimeProvider.GetUtcNow();
        var signedIdentity = AdvIdentity.BuildSigned(account.Identity, registration.IdentityKey, slot.KeyIndex, advSecret, now);
        var keyIndex = Stanza.Number(slot.KeyIndex);
        var pairSuccess = Stanza.Make("iq", NodeContent.FromChildren(Stanza.Make("pair-success", NodeContent.FromChildren(
                Stanza.Make("device-identity", signedIdentity, ("key-index", keyIndex)),
                Stanza.Make("platform", default, ("name", SimConstants.PhonePlatform)),
                Stanza.Make("device", default, ("jid", account.PhoneJid.WithDevice(slot.DeviceId)), ("lid", account.Lid.WithDevice(slot.DeviceId)))))),
            ("from", Jid.ServerJid), ("type", "set"), ("xmlns", "md"), ("t", Stanza.Number(now.ToUnixTimeSeconds())));
        var reply = await SendIqAsync(pairSuccess, cancellationToken).ConfigureAwait(false);

        var signed = reply.GetChild("pair-device-sign", "device-identity") is { } identityNode && identityNode.Content.TryGetBytes(out var bytes)
            ? AdvIdentity.VerifyDeviceSignature(bytes.Span, AdvIdentity.DetailsOf(signedIdentity), registration.IdentityKey, account.Identity.PublicKey)
            : null;
        if (signed is null)
        {
            await CloseWithAsync(Stanza.StreamError(SimConstants.StreamDeviceRemoved)).ConfigureAwait(false);
            throw new PairingException("the companion's pair-device-sign did not carry a valid device signature");
        }

        var device = new SimDevice(account, slot.DeviceId, slot.KeyIndex, _noiseKey, registration);
        lock (_server.State.Sync)
        {
            account.AddCompanion(device);
            _server.State.MarkChanged();
        }

        LogMessages.DevicePaired(_server.Logger, device.Jid);
        await CloseWithAsync(Stanza.StreamError(SimConstants.StreamRestartRequired)).ConfigureAwait(false);
        return device;
    }

    private async Task StartRegistrationAsync(ClientPayload.Types.DevicePairingRegistrationData data, CancellationToken cancellationToken)
    {
        if (data.ERegid.Length != 4 || data.EIdent.Length != Curve25519.KeySize || data.ESkeyId.Length != 3
            || data.ESkeyVal.Length != Curve25519.KeySize || data.ESkeySig.Length != Curve25519.SignatureSize)
        {
            throw new PairingException("the registration payload is malformed");
        }

        byte[] signedPreKey = [PreKeyCodec.KeyTypeByte, .. data.ESkeyVal.Span];
        if (!Curve25519.Verify(data.EIdent.Span, signedPreKey, data.ESkeySig.Span))
        {
            // The server would never hand out a bundle whose signature peers will reject.
            await CloseWithAsync(Stanza.Make("failure", default, ("reason", "400"))).ConfigureAwait(false);
            throw new PairingException("the registration's signed prekey signature does not verify");
        }

        _registration = new SignalRegistration(
            BinaryPrimitives.ReadUInt32BigEndian(data.ERegid.Span), data.EIdent.ToByteArray(),
            PreKeyCodec.ReadId(data.ESkeyId.Span), data.ESkeyVal.ToByteArray(), data.ESkeySig.ToByteArray());

        var now = _server.Options.TimeProvider.GetUtcNow();
        var expiresAt = now + _server.Options.FirstQrRefLifetime;
        var refs = new List<QrRef>(SimConstants.QrRefCount);
        for (var i = 0; i < SimConstants.QrRefCount; i++)
        {
            refs.Add(new QrRef(QrRefPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(QrRefEntropy)), this, expiresAt));
            expiresAt += _server.Options.QrRefLifetime;
        }

        _server.State.AddQrRefs(refs);
        var pairDevice = Stanza.Make("pair-device", NodeContent.FromChildren(
            refs.Select(r => Stanza.Make("ref", Encoding.UTF8.GetBytes(r.Ref)))));
        // The client's result is matched by id like any reply; nothing waits for it.
        await SendNodeAsync(Stanza.Make("iq", NodeContent.FromChildren(pairDevice),
            ("from", Jid.ServerJid), ("type", "set"), ("id", "sim-pair-device"), ("xmlns", "md")), cancellationToken).ConfigureAwait(false);
    }

    private Node? HandleLinkCode(Node iq, Node linkCode)
    {
        if (_registration is null || linkCode.GetAttr("jid") is not { } jidText || !Jid.TryParse(jidText, out var jid))
        {
            return Stanza.Error(iq, 400, "bad-request");
        }

        switch (linkCode.GetAttr("stage"))
        {
            case "companion_hello":
                var wrapped = Stanza.ChildBytes(linkCode, "link_code_pairing_wrapped_companion_ephemeral_pub");
                if (wrapped is not { Length: PairingCodeWrap.WrappedKeySize } || _server.State.FindAccount(jid.User) is null)
                {
                    return Stanza.Error(iq, 404, "item-not-found");
                }

                var session = new PairingCodeSession(jid.User, "sim-code-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(CodeRefEntropy)), this, wrapped);
                _server.State.SetCodeSession(session);
                return Stanza.Result(iq, Stanza.Make("link_code_companion_reg", NodeContent.FromChildren(
                    Stanza.Make("link_code_pairing_ref", Encoding.UTF8.GetBytes(session.Ref)))));
            case "companion_finish":
                if (_server.State.FindCodeSession(jid.User) is { } pending && pending.Connection == this && pending.Finish is { } finish)
                {
                    // The phone (EnterPairingCodeAsync) checks the bundle and answers this iq itself.
                    finish.TrySetResult(iq);
                    return null;
                }

                return Stanza.Error(iq, 404, "item-not-found");
            default:
                return Stanza.Error(iq, 400, "bad-request");
        }
    }
}

/// <summary>A pairing-code request from a companion (companion_hello), waiting for the phone to enter the code.</summary>
internal sealed class PairingCodeSession(string phone, string reference, SimConnection connection, byte[] wrappedCompanionEphemeral)
{
    /// <summary>Gets the phone number the companion asked to link to.</summary>
    public string Phone { get; } = phone;

    /// <summary>Gets the pairing ref the server issued.</summary>
    public string Ref { get; } = reference;

    /// <summary>Gets the companion's connection.</summary>
    public SimConnection Connection { get; } = connection;

    /// <summary>Gets the companion's ephemeral public key wrapped with the code.</summary>
    public byte[] WrappedCompanionEphemeral { get; } = wrappedCompanionEphemeral;

    /// <summary>Gets or sets the completion of the companion's <c>companion_finish</c> iq, armed when the phone sends primary_hello.</summary>
    public TaskCompletionSource<Node>? Finish { get; set; }
}

/// <summary>A pairing could not be completed; the message says why.</summary>
public sealed class PairingException : Exception
{
    /// <summary>Creates the exception with a reason.</summary>
    public PairingException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a reason and a cause.</summary>
    public PairingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception without a reason.</summary>
    public PairingException()
    {
    }
}

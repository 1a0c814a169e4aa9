using System.Buffers.Binary;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.Stores;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// Signal sessions for sending (PROTOCOL.md §5.4, §6.3): addresses from JIDs, bundles fetched for
/// devices without a session, per-device encryption with WhatsApp's random padding. Every Signal
/// operation runs under one gate: the ratchets of a device are not safe to step concurrently.
/// </summary>
public sealed partial class WaClient
{
    /// <summary>The largest random pad appended to a plaintext (PROTOCOL.md §6.3).</summary>
    private const int MaxPadding = 16;

    /// <summary>Prekey ids travel as 3-byte big-endian numbers (PROTOCOL.md §5.4).</summary>
    private const int PreKeyIdSize = 3;

    private readonly SemaphoreSlim _signalGate = new(1, 1);

    private ISignalProtocolStore Signal => _signal ?? throw new InvalidOperationException("no Signal store is open");

    /// <summary>The Signal address of a device JID, with WhatsApp's naming for its domain (PROTOCOL.md §5.5).</summary>
    internal static SignalAddress AddressOf(Jid device) => SignalAddress.ForUser(device.User, device.Server switch
    {
        JidServer.Lid => SignalUserDomain.Lid,
        JidServer.Hosted => SignalUserDomain.Hosted,
        JidServer.HostedLid => SignalUserDomain.HostedLid,
        _ => SignalUserDomain.WhatsApp,
    }, new DeviceId(device.Device));

    /// <summary>
    /// The address a pairwise message from a phone-number sender is decrypted with: its LID device
    /// once the LID is known, since sends to that contact go to the LID session (as WhatsApp and
    /// Baileys 7 key migrated sessions). A pkmsg starts a session, so it goes under the LID; a msg
    /// uses the phone-number session only while one exists there and none under the LID, so
    /// sessions made before the mapping was learned keep working.
    /// </summary>
    private async Task<SignalAddress> PairwiseAddressAsync(Jid author, Jid? lid, bool startsSession, CancellationToken cancellationToken)
    {
        var phoneAddress = AddressOf(author);
        if (!author.IsPhoneNumber || (lid ?? await _store.Lids.GetLidAsync(author.WithoutDevice(), cancellationToken).ConfigureAwait(false)) is not { } known)
        {
            return phoneAddress;
        }

        var lidAddress = AddressOf(known.WithDevice(author.Device));
        return startsSession
            || await new SessionCipher(Signal, lidAddress, _options.Random).HasSessionAsync(cancellationToken).ConfigureAwait(false)
            || !await new SessionCipher(Signal, phoneAddress, _options.Random).HasSessionAsync(cancellationToken).ConfigureAwait(false)
            ? lidAddress
            : phoneAddress;
    }

    /// <summary>
    /// Fetches bundles for the devices that have no session (or all of them when <paramref name="force"/>) and builds sessions,
    /// in <paramref name="store"/> when given (a send's deferred store) or else the client's Signal store.
    /// </summary>
    private async Task EnsureSessionsAsync(IReadOnlyCollection<Jid> devices, bool force, CancellationToken cancellationToken, ISignalProtocolStore? store = null)
    {
        var signal = store ?? Signal;
        var missing = new List<Jid>();
        foreach (var device in devices)
        {
            if (force || !await new SessionCipher(signal, AddressOf(device), _options.Random).HasSessionAsync(cancellationToken).ConfigureAwait(false))
            {
                missing.Add(device);
            }
        }

        if (missing.Count == 0)
        {
            return;
        }

        var connection = _connection ?? throw new Noise.TransportException(Noise.TransportErrorKind.Closed, "the client is not connected");
        var request = new Node("key", content: NodeContent.FromChildren(missing.Select(d => new Node("user", Attrs(("jid", d))))));
        var reply = await SendIqAsync(connection, new IqRequest("encrypt", "get", null, [request]), cancellationToken).ConfigureAwait(false);
        foreach (var user in reply.GetChild("list")?.GetChildren("user") ?? [])
        {
            if (!Jid.TryParse(user.GetAttr("jid"), out var jid) || ParseBundle(user, jid.Device) is not { } bundle)
            {
                continue;
            }

            await new SessionBuilder(signal, AddressOf(jid), _options.Random, _time).ProcessBundleAsync(bundle, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a bundle (<c>user</c> of a key reply, or the <c>keys</c> of a retry receipt); null when it is an error or incomplete.</summary>
    private static PreKeyBundle? ParseBundle(Node user, ushort device)
    {
        var keys = user.GetChild("keys") ?? user;
        var registration = Bytes(keys.GetChild("registration")) ?? Bytes(user.GetChild("registration"));
        var identity = Bytes(keys.GetChild("identity"));
        var skey = keys.GetChild("skey");
        var skeyId = Bytes(skey?.GetChild("id"));
        var skeyValue = Bytes(skey?.GetChild("value"));
        var skeySignature = Bytes(skey?.GetChild("signature"));
        if (registration is not { Length: 4 } || identity is null || skeyId is not { Length: PreKeyIdSize } || skeyValue is null || skeySignature is null)
        {
            return null;
        }

        BundlePreKey? preKey = null;
        if (keys.GetChild("key") is { } key && Bytes(key.GetChild("id")) is { Length: PreKeyIdSize } keyId && Bytes(key.GetChild("value")) is { } keyValue)
        {
            preKey = new BundlePreKey(new PreKeyId(ReadId(keyId)), keyValue);
        }

        return new PreKeyBundle(new RegistrationId(BinaryPrimitives.ReadUInt32BigEndian(registration)), new DeviceId(device),
            new SignedPreKeyId(ReadId(skeyId)), skeyValue, skeySignature, IdentityKey.FromBytes(identity), preKey);
    }

    private static byte[]? Bytes(Node? node) => node is not null && node.Content.TryGetBytes(out var bytes) ? bytes.ToArray() : null;

    private static uint ReadId(ReadOnlySpan<byte> id) => (uint)((id[0] << 16) | (id[1] << 8) | id[2]);

    /// <summary>
    /// Pads and encrypts a plaintext for one device. The session change goes to <paramref name="store"/>: a send's
    /// deferred store collects it for the send's one commit; the client's Signal store (the default) commits it before
    /// this returns (durability rule 2).
    /// </summary>
    private async Task<Node> EncryptForDeviceAsync(Jid device, byte[] plaintext, CancellationToken cancellationToken, int? retryCount = null, ISignalProtocolStore? store = null)
    {
        var encrypted = await new SessionCipher(store ?? Signal, AddressOf(device), _options.Random).EncryptAsync(Pad(plaintext), cancellationToken).ConfigureAwait(false);
        var attrs = Attrs(("v", "2"), ("type", encrypted.Type == CiphertextType.PreKey ? "pkmsg" : "msg"));
        if (retryCount is { } count)
        {
            attrs["count"] = count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return new Node("enc", attrs, encrypted.Body);
    }

    /// <summary>Appends 1 to 16 bytes, each holding the pad length (Baileys <c>writeRandomPadMax16</c>).</summary>
    private byte[] Pad(byte[] message)
    {
        Span<byte> random = stackalloc byte[1];
        _options.Random.Fill(random);
        var pad = (random[0] & 0x0F) + 1;
        var padded = new byte[message.Length + pad];
        message.CopyTo(padded, 0);
        padded.AsSpan(message.Length).Fill((byte)pad);
        return padded;
    }

    /// <summary>Strips the padding; <c>enc v="3"</c> is unpadded (PROTOCOL.md §6.3).</summary>
    private static ReadOnlyMemory<byte> Unpad(byte[] padded, bool unpadded)
    {
        if (unpadded || padded.Length == 0)
        {
            return padded;
        }

        var pad = padded[^1];
        return pad is > 0 and <= MaxPadding && pad <= padded.Length ? padded.AsMemory(0, padded.Length - pad) : padded;
    }
}

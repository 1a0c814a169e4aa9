using Google.Protobuf;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.State;
using WaOrleans.Protocol.Store.Storage;

namespace WaOrleans.Protocol.Store;

/// <summary>
/// One linked device's long-term credentials (PROTOCOL.md §5.1) and what pairing taught it: its
/// JIDs, platform, and the ADV-signed account identity. Immutable: every change is a new record
/// (<c>with</c>) that the client saves through <see cref="IDeviceStore.SaveCredentialsAsync"/>.
/// </summary>
/// <remarks>
/// <see cref="ToString"/> prints the JIDs and counters only, never key material or the ADV secret.
/// <see cref="Serialize"/> is the stable storage format (a versioned protobuf).
/// </remarks>
public sealed record DeviceCredentials
{
    /// <summary>The storage format version <see cref="Serialize"/> writes.</summary>
    private const uint FormatVersion = 1;

    /// <summary>The first one-time prekey id: Baileys and whatsmeow both count from 1 (0 means "none").</summary>
    private const uint FirstPreKeyId = 1;

    /// <summary>The signed prekey id a fresh device uses: Baileys' first signed prekey is 1 (PROTOCOL.md §2.3).</summary>
    private const uint FirstSignedPreKeyId = 1;

    /// <summary>Gets the long-term Noise static key pair (Baileys' <c>noiseKey</c>).</summary>
    public required KeyPair NoiseKey { get; init; }

    /// <summary>Gets the Signal identity key pair (<c>signedIdentityKey</c>).</summary>
    public required IdentityKeyPair IdentityKey { get; init; }

    /// <summary>Gets the 14-bit Signal registration id.</summary>
    public required RegistrationId RegistrationId { get; init; }

    /// <summary>Gets the current signed prekey.</summary>
    public required SignedPreKeyRecord SignedPreKey { get; init; }

    /// <summary>Gets the 32-byte ADV secret that keys the pair-success HMAC (derived again in pairing-code linking).</summary>
    public required ReadOnlyMemory<byte> AdvSecret { get; init; }

    /// <summary>Gets the ephemeral key pair of pairing-code linking (<c>pairingEphemeralKeyPair</c>).</summary>
    public required KeyPair PairingEphemeralKey { get; init; }

    /// <summary>Gets our device JID (<c>PN:device@s.whatsapp.net</c>), or null until paired.</summary>
    public Jid? Me { get; init; }

    /// <summary>Gets our device LID (<c>LID:device@lid</c>), or null when unknown.</summary>
    public Jid? MeLid { get; init; }

    /// <summary>Gets the push name sent at login, or null.</summary>
    public string? PushName { get; init; }

    /// <summary>Gets the primary phone's platform from pair-success (<c>android</c>, <c>iphone</c>, <c>smba</c>…), or null.</summary>
    public string? Platform { get; init; }

    /// <summary>Gets the business name from pair-success, or null.</summary>
    public string? BusinessName { get; init; }

    /// <summary>
    /// Gets the serialized ADVSignedDeviceIdentity from pair-success with our device signature, or
    /// null until paired; later sends carry it in <c>device-identity</c> nodes.
    /// </summary>
    public ReadOnlyMemory<byte>? Account { get; init; }

    /// <summary>Gets the id the next generated one-time prekey gets.</summary>
    public uint NextPreKeyId { get; init; } = FirstPreKeyId;

    /// <summary>Gets the first prekey id not yet confirmed uploaded to the server.</summary>
    public uint FirstUnuploadedPreKeyId { get; init; } = FirstPreKeyId;

    /// <summary>Gets whether pairing completed (the device has its own JID).</summary>
    public bool IsPaired => Me is not null;

    /// <summary>Creates fresh credentials for a device that has never been linked (PROTOCOL.md §5.1).</summary>
    public static DeviceCredentials Create(ISignalRandom random, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(time);
        var identity = IdentityKeyPair.Generate(random);
        var advSecret = new byte[Curve25519.KeySize];
        random.Fill(advSecret);
        return new DeviceCredentials
        {
            NoiseKey = NextKeyPair(random),
            IdentityKey = identity,
            RegistrationId = KeyHelper.GenerateRegistrationId(random),
            SignedPreKey = KeyHelper.GenerateSignedPreKey(identity, new SignedPreKeyId(FirstSignedPreKeyId), random, time),
            AdvSecret = advSecret,
            PairingEphemeralKey = NextKeyPair(random),
        };
    }

    /// <summary>Reads credentials written by <see cref="Serialize"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not credentials of a known format version.</exception>
    public static DeviceCredentials Deserialize(ReadOnlySpan<byte> bytes)
    {
        DeviceCredentialsStructure s;
        try
        {
            s = DeviceCredentialsStructure.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new InvalidDataException("stored device credentials are not readable", ex);
        }

        if (s.Version != FormatVersion)
        {
            throw new InvalidDataException($"stored device credentials have unknown format version {s.Version}");
        }

        try
        {
            return new DeviceCredentials
            {
                NoiseKey = Curve25519.FromPrivateKey(s.NoisePrivateKey.Span),
                IdentityKey = new IdentityKeyPair(Curve25519.FromPrivateKey(s.IdentityPrivateKey.Span)),
                RegistrationId = new RegistrationId(s.RegistrationId),
                SignedPreKey = SignedPreKeyRecord.Deserialize(s.SignedPreKey.Span),
                AdvSecret = s.AdvSecret.ToByteArray(),
                PairingEphemeralKey = Curve25519.FromPrivateKey(s.PairingEphemeralPrivateKey.Span),
                Me = s.HasMe ? Jid.Parse(s.Me) : null,
                MeLid = s.HasMeLid ? Jid.Parse(s.MeLid) : null,
                PushName = s.HasPushName ? s.PushName : null,
                Platform = s.HasPlatform ? s.Platform : null,
                BusinessName = s.HasBusinessName ? s.BusinessName : null,
                Account = s.HasAccount ? s.Account.ToByteArray() : (ReadOnlyMemory<byte>?)null,
                NextPreKeyId = s.NextPreKeyId,
                FirstUnuploadedPreKeyId = s.FirstUnuploadedPreKeyId,
            };
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or CryptoException or SignalProtocolException)
        {
            throw new InvalidDataException("stored device credentials hold an invalid key or JID", ex);
        }
    }

    /// <summary>Serializes the credentials to the stable storage format.</summary>
    public byte[] Serialize()
    {
        var s = new DeviceCredentialsStructure
        {
            Version = FormatVersion,
            NoisePrivateKey = ByteString.CopyFrom(NoiseKey.PrivateKey),
            IdentityPrivateKey = ByteString.CopyFrom(IdentityKey.KeyPair.PrivateKey),
            RegistrationId = RegistrationId.Value,
            SignedPreKey = ByteString.CopyFrom(SignedPreKey.Serialize()),
            AdvSecret = ByteString.CopyFrom(AdvSecret.Span),
            PairingEphemeralPrivateKey = ByteString.CopyFrom(PairingEphemeralKey.PrivateKey),
            NextPreKeyId = NextPreKeyId,
            FirstUnuploadedPreKeyId = FirstUnuploadedPreKeyId,
        };
        if (Me is { } me)
        {
            s.Me = me.ToString();
        }

        if (MeLid is { } lid)
        {
            s.MeLid = lid.ToString();
        }

        if (PushName is not null)
        {
            s.PushName = PushName;
        }

        if (Platform is not null)
        {
            s.Platform = Platform;
        }

        if (BusinessName is not null)
        {
            s.BusinessName = BusinessName;
        }

        if (Account is { } account)
        {
            s.Account = ByteString.CopyFrom(account.Span);
        }

        return s.ToByteArray();
    }

    /// <summary>Describes the credentials by JIDs and counters; never prints keys or the ADV secret.</summary>
    public override string ToString() =>
        $"DeviceCredentials(me {Me?.ToString() ?? "unpaired"}, lid {MeLid?.ToString() ?? "-"}, registration {RegistrationId}, next prekey {NextPreKeyId})";

    private static KeyPair NextKeyPair(ISignalRandom random)
    {
        Span<byte> seed = stackalloc byte[Curve25519.KeySize];
        random.Fill(seed);
        var pair = Curve25519.FromPrivateKey(seed);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(seed);
        return pair;
    }
}

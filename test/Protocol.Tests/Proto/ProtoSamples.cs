using Google.Protobuf;
using WaOrleans.Protocol.Proto;
using Hello = WaOrleans.Protocol.Proto.HandshakeMessage.Types;
using Payload = WaOrleans.Protocol.Proto.ClientPayload.Types;

namespace WaOrleans.Protocol.Tests.Proto;

/// <summary>
/// Realistic messages of the kinds the gateway sends and receives, with the values WhatsApp and
/// Baileys actually use (PROTOCOL.md §1–§8), as opposed to <see cref="ProtoFiller"/>'s extremes.
/// </summary>
internal static partial class ProtoSamples
{
    private const string Peer = "15550002222@s.whatsapp.net";
    private const string Me = "15550001111@s.whatsapp.net";
    private const string Group = "120363000000000001@g.us";
    private const string QuotedId = "3EB0AABBCCDDEEFF001122";

    /// <summary>Every sample by name; each call builds a fresh instance.</summary>
    public static IReadOnlyDictionary<string, Func<IMessage>> All { get; } =
        SessionSamples().Concat(ContentSamples()).Concat(EnvelopeSamples()).ToDictionary();

    // Handshake, pairing and Signal wire messages.
    private static Dictionary<string, Func<IMessage>> SessionSamples() => new()
    {
        ["handshake.clientHello"] = () => new HandshakeMessage { ClientHello = new Hello.ClientHello { Ephemeral = Key(1) } },
        ["handshake.serverHello"] = () => new HandshakeMessage
        {
            ServerHello = new Hello.ServerHello { Ephemeral = Key(2), Static = Bytes(48, 3), Payload = Bytes(300, 4) },
        },
        ["handshake.clientFinish"] = () => new HandshakeMessage
        {
            ClientFinish = new Hello.ClientFinish { Static = Bytes(48, 5), Payload = Bytes(250, 6) },
        },
        ["certChain"] = CertChainSample,
        ["certChain.details"] = () => new CertChain.Types.NoiseCertificate.Types.Details
        {
            Serial = 0, IssuerSerial = 0, Key = Key(7), NotBefore = 1_700_000_000, NotAfter = 1_800_000_000,
        },
        ["noiseCertificate.details"] = () => new NoiseCertificate.Types.Details
        {
            Serial = 1, Issuer = "WhatsAppLongTerm1", Expires = 1_800_000_000, Subject = "WhatsApp", Key = Key(8),
        },
        ["clientPayload.registration"] = Registration,
        ["clientPayload.login"] = Login,
        ["deviceProps"] = DevicePropsSample,
        ["adv.signedDeviceIdentityHmac"] = () => new ADVSignedDeviceIdentityHMAC
        {
            Details = Bytes(120, 9), Hmac = Key(10), AccountType = ADVEncryptionType.E2Ee,
        },
        ["adv.signedDeviceIdentityHmac.hosted"] = () => new ADVSignedDeviceIdentityHMAC
        {
            Details = Bytes(120, 11), Hmac = Key(12), AccountType = ADVEncryptionType.Hosted,
        },
        ["adv.signedDeviceIdentity"] = () => new ADVSignedDeviceIdentity
        {
            Details = new ADVDeviceIdentity { RawId = 123456789, Timestamp = 1_700_000_000, KeyIndex = 3 }.ToByteString(),
            AccountSignatureKey = Key(13), AccountSignature = Bytes(64, 14), DeviceSignature = Bytes(64, 15),
        },
        ["adv.signedDeviceIdentity.replyWithoutAccountKey"] = () => new ADVSignedDeviceIdentity
        {
            Details = Bytes(20, 16), AccountSignature = Bytes(64, 17), DeviceSignature = Bytes(64, 18),
        },
        ["adv.deviceIdentity"] = () => new ADVDeviceIdentity
        {
            RawId = 987654321, Timestamp = 1_700_000_123, KeyIndex = 7,
            AccountType = ADVEncryptionType.E2Ee, DeviceType = ADVEncryptionType.Hosted,
        },
        ["adv.keyIndexList"] = () => new ADVKeyIndexList
        {
            RawId = 42, Timestamp = 1_700_000_000, CurrentIndex = 9, ValidIndexes = { 0, 3, 7, 9, 300 },
        },
        ["adv.signedKeyIndexList"] = () => new ADVSignedKeyIndexList
        {
            Details = Bytes(30, 19), AccountSignature = Bytes(64, 20), AccountSignatureKey = Key(21),
        },
        ["clientPairingProps"] = () => new ClientPairingProps { IsChatDbLidMigrated = true, IsSyncdPureLidSession = false },
        ["whisperMessage"] = () => new WhisperMessage
        {
            EphemeralKey = Bytes(33, 22), Counter = 0, PreviousCounter = 0, Ciphertext = Bytes(64, 23),
        },
        ["preKeyWhisperMessage"] = () => new PreKeyWhisperMessage
        {
            RegistrationId = 12345, PreKeyId = 16_777_215, SignedPreKeyId = 1,
            BaseKey = Bytes(33, 24), IdentityKey = Bytes(33, 25), Message = Bytes(110, 26),
        },
        ["senderKeyMessage"] = () => new SenderKeyMessage { Id = 2_000_000_000, Iteration = 0, Ciphertext = Bytes(48, 27) },
        ["senderKeyDistributionMessage"] = () => new SenderKeyDistributionMessage
        {
            Id = 1_234_567, Iteration = 0, ChainKey = Key(28), SigningKey = Bytes(33, 29),
        },
    };

    private static CertChain CertChainSample()
    {
        var intermediate = new CertChain.Types.NoiseCertificate.Types.Details
        {
            Serial = 3, IssuerSerial = 0, Key = Key(60), NotBefore = 1_700_000_000, NotAfter = 1_900_000_000,
        };
        var leaf = new CertChain.Types.NoiseCertificate.Types.Details
        {
            Serial = 77, IssuerSerial = 3, Key = Key(61), NotBefore = 1_700_000_000, NotAfter = 1_800_000_000,
        };
        return new CertChain
        {
            Leaf = new CertChain.Types.NoiseCertificate { Details = leaf.ToByteString(), Signature = Bytes(64, 62) },
            Intermediate = new CertChain.Types.NoiseCertificate { Details = intermediate.ToByteString(), Signature = Bytes(64, 63) },
        };
    }

    private static Payload.UserAgent UserAgent() => new()
    {
        Platform = Payload.UserAgent.Types.Platform.Web,
        AppVersion = new Payload.UserAgent.Types.AppVersion { Primary = 2, Secondary = 3000, Tertiary = 1043857760 },
        Mcc = "000", Mnc = "000", OsVersion = "0.1", Device = "Desktop", OsBuildNumber = "0.1",
        ReleaseChannel = Payload.UserAgent.Types.ReleaseChannel.Release,
        LocaleLanguageIso6391 = "en", LocaleCountryIso31661Alpha2 = "US",
    };

    private static ClientPayload Registration() => new()
    {
        Passive = false, Pull = false, UserAgent = UserAgent(),
        WebInfo = new Payload.WebInfo { WebSubPlatform = Payload.WebInfo.Types.WebSubPlatform.WebBrowser },
        ConnectType = Payload.ConnectType.WifiUnknown, ConnectReason = Payload.ConnectReason.UserActivated,
        DevicePairingData = new Payload.DevicePairingRegistrationData
        {
            ERegid = ByteString.CopyFrom(0x00, 0x00, 0x2A, 0x3B), EKeytype = ByteString.CopyFrom(0x05),
            EIdent = Key(64), ESkeyId = ByteString.CopyFrom(0x00, 0x00, 0x01), ESkeyVal = Key(65),
            ESkeySig = Bytes(64, 66), BuildHash = Bytes(16, 67), DeviceProps = DevicePropsSample().ToByteString(),
        },
    };

    private static ClientPayload Login() => new()
    {
        Username = 15550001111, Device = 7, Passive = true, Pull = true, LidDbMigrated = false, Lc = 1,
        UserAgent = UserAgent(), PushName = "Gateway",
        WebInfo = new Payload.WebInfo { WebSubPlatform = Payload.WebInfo.Types.WebSubPlatform.WebBrowser },
        ConnectType = Payload.ConnectType.WifiUnknown, ConnectReason = Payload.ConnectReason.UserActivated,
        // Negative sfixed32 and packed repeated int32 (with a negative member) are the encoder edge cases here.
        SessionId = -123_456, Shards = { 1, -2, 300 }, ConnectAttemptCount = 3, PaddingBytes = Bytes(7, 68),
        DnsSource = new Payload.DNSSource { DnsMethod = Payload.DNSSource.Types.DNSResolutionMethod.System, AppCached = false },
    };

    private static DeviceProps DevicePropsSample() => new()
    {
        Os = "Mac OS",
        Version = new DeviceProps.Types.AppVersion { Primary = 10, Secondary = 15, Tertiary = 7 },
        PlatformType = DeviceProps.Types.PlatformType.Chrome,
        RequireFullSync = false,
        HistorySyncConfig = new DeviceProps.Types.HistorySyncConfig
        {
            StorageQuotaMb = 10240, InlineInitialPayloadInE2EeMsg = true, SupportCallLogHistory = false,
            SupportBotUserAgentChatHistory = true, SupportCagReactionsAndPolls = true, SupportBizHostedMsg = true,
            SupportRecentSyncChunkMessageCountTuning = true, SupportHostedGroupMsg = true,
            SupportFbidBotChatHistory = true, SupportMessageAssociation = true, SupportGroupHistory = false,
        },
    };

    private static ByteString Key(byte seed) => Bytes(32, seed);

    private static ByteString Bytes(int length, byte seed)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)((seed * 31) + (i * 7));
        }

        return ByteString.CopyFrom(bytes);
    }
}

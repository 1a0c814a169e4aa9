using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using WaOrleans.Protocol.Proto;
using WaOrleans.Protocol.Store;
using static WaOrleans.Protocol.Proto.ClientPayload.Types;

namespace WaOrleans.Protocol.Client;

/// <summary>Builds the ClientPayload of the Noise client finish (PROTOCOL.md §2): registration for a new device, login for a paired one.</summary>
internal static class ClientPayloadFactory
{
    /// <summary>Baileys' placeholder for the mobile network codes a browser has none of.</summary>
    private const string NoNetworkCode = "000";

    /// <summary>Baileys' OS version and build in the user agent of a browser client.</summary>
    private const string BrowserOsVersion = "0.1";

    /// <summary>Storage quota announced in the history-sync config, Baileys' 10 GiB.</summary>
    private const uint HistoryStorageQuotaMb = 10240;

    /// <summary>Builds the payload of a paired device logging in (§2.4).</summary>
    public static byte[] Login(DeviceCredentials credentials, WaClientOptions options)
    {
        var me = credentials.Me ?? throw new InvalidOperationException("an unpaired device cannot log in");
        var payload = Common(options, credentials.PushName);
        payload.Username = ulong.Parse(me.User, NumberStyles.None, CultureInfo.InvariantCulture);
        payload.Device = me.Device;
        payload.Passive = true;
        payload.Pull = true;
        payload.LidDbMigrated = false;
        return payload.ToByteArray();
    }

    /// <summary>Builds the payload of a new device asking to be paired (§2.3).</summary>
    public static byte[] Registration(DeviceCredentials credentials, WaClientOptions options)
    {
        var payload = Common(options, credentials.PushName);
        payload.Passive = false;
        payload.Pull = false;
        var registrationId = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(registrationId, credentials.RegistrationId.Value);
        payload.DevicePairingData = new DevicePairingRegistrationData
        {
            ERegid = ByteString.CopyFrom(registrationId),
            EKeytype = ByteString.CopyFrom(ClientConstants.KeyTypeDjb),
            EIdent = ByteString.CopyFrom(credentials.IdentityKey.KeyPair.PublicKey),
            ESkeyId = ByteString.CopyFrom(PreKeyNodes.EncodeId(credentials.SignedPreKey.Id.Value)),
            ESkeyVal = ByteString.CopyFrom(credentials.SignedPreKey.KeyPair.PublicKey),
            ESkeySig = ByteString.CopyFrom(credentials.SignedPreKey.Signature),
            BuildHash = ByteString.CopyFrom(BuildHash(options.Version)),
            DeviceProps = DeviceProperties(options).ToByteString(),
        };
        return payload.ToByteArray();
    }

    private static ClientPayload Common(WaClientOptions options, string? pushName)
    {
        var payload = new ClientPayload
        {
            UserAgent = new UserAgent
            {
                Platform = UserAgent.Types.Platform.Web,
                AppVersion = new UserAgent.Types.AppVersion
                {
                    Primary = (uint)options.Version.Major,
                    Secondary = (uint)options.Version.Minor,
                    Tertiary = (uint)Math.Max(0, options.Version.Build),
                },
                Mcc = NoNetworkCode,
                Mnc = NoNetworkCode,
                OsVersion = BrowserOsVersion,
                Device = "Desktop",
                OsBuildNumber = BrowserOsVersion,
                ReleaseChannel = UserAgent.Types.ReleaseChannel.Release,
                LocaleLanguageIso6391 = "en",
                LocaleCountryIso31661Alpha2 = "US",
            },
            WebInfo = new WebInfo { WebSubPlatform = WebInfo.Types.WebSubPlatform.WebBrowser },
            ConnectType = ConnectType.WifiUnknown,
            ConnectReason = ConnectReason.UserActivated,
        };
        if (pushName is not null)
        {
            payload.PushName = pushName;
        }

        return payload;
    }

    private static DeviceProps DeviceProperties(WaClientOptions options) => new()
    {
        Os = options.OperatingSystem,
        Version = new DeviceProps.Types.AppVersion
        {
            Primary = (uint)options.OperatingSystemVersion.Major,
            Secondary = (uint)options.OperatingSystemVersion.Minor,
            Tertiary = (uint)Math.Max(0, options.OperatingSystemVersion.Build),
        },
        PlatformType = options.Browser,
        RequireFullSync = false,
        HistorySyncConfig = new DeviceProps.Types.HistorySyncConfig
        {
            StorageQuotaMb = HistoryStorageQuotaMb,
            InlineInitialPayloadInE2EeMsg = true,
            SupportBotUserAgentChatHistory = true,
            SupportCagReactionsAndPolls = true,
            SupportBizHostedMsg = true,
            SupportRecentSyncChunkMessageCountTuning = true,
            SupportHostedGroupMsg = true,
            SupportFbidBotChatHistory = true,
            SupportMessageAssociation = true,
            SupportCallLogHistory = false,
            SupportGroupHistory = false,
        },
    };

    /// <summary>The build hash is MD5 of the version string (PROTOCOL.md §2.3): WhatsApp's format, not a security use.</summary>
#pragma warning disable CA5351 // MD5 is what the protocol specifies here; nothing relies on it for security.
    private static byte[] BuildHash(Version version) => MD5.HashData(Encoding.ASCII.GetBytes(
        string.Create(CultureInfo.InvariantCulture, $"{version.Major}.{version.Minor}.{version.Build}")));
#pragma warning restore CA5351

    /// <summary>The QR platform id of a browser (PROTOCOL.md §4.1); Baileys maps "Desktop" to Electron.</summary>
    public static string QrPlatformId(DeviceProps.Types.PlatformType browser) => browser switch
    {
        DeviceProps.Types.PlatformType.Chrome => "1",
        DeviceProps.Types.PlatformType.Edge => "2",
        DeviceProps.Types.PlatformType.Firefox => "3",
        DeviceProps.Types.PlatformType.Ie => "4",
        DeviceProps.Types.PlatformType.Opera => "5",
        DeviceProps.Types.PlatformType.Safari => "6",
        DeviceProps.Types.PlatformType.Desktop => "7",
        DeviceProps.Types.PlatformType.Uwp => "8",
        DeviceProps.Types.PlatformType.Unknown => "0",
        _ => "9",
    };
}

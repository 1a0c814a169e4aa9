using Google.Protobuf;
using WaOrleans.Protocol.Proto;
using Content = WaOrleans.Protocol.Proto.Message.Types;

namespace WaOrleans.Protocol.Tests.Proto;

internal static partial class ProtoSamples
{
    // End-to-end message content and the envelopes that store it.
    private static Dictionary<string, Func<IMessage>> ContentSamples() => new()
    {
        ["message.conversation"] = () => new Message { Conversation = "hello 👋" },
        ["message.textReplyWithMentions"] = TextReply,
        ["message.forwardedText"] = () => new Message
        {
            ExtendedTextMessage = new Content.ExtendedTextMessage
            {
                Text = "fwd", ContextInfo = new ContextInfo { IsForwarded = true, ForwardingScore = 4 },
            },
        },
        ["message.linkPreview"] = () => new Message
        {
            ExtendedTextMessage = new Content.ExtendedTextMessage
            {
                Text = "see https://example.com", MatchedText = "https://example.com", Title = "Example",
                Description = "An example", PreviewType = Content.ExtendedTextMessage.Types.PreviewType.None,
                JpegThumbnail = Bytes(200, 30), TextArgb = 0xFFFFFFFF, BackgroundArgb = 0xFF25D366,
                Font = Content.ExtendedTextMessage.Types.FontType.System,
            },
        },
        ["message.image"] = () => new Message { ImageMessage = Image() },
        ["message.viewOnceImage"] = () => new Message
        {
            ViewOnceMessageV2 = new Content.FutureProofMessage { Message = new Message { ImageMessage = Image(viewOnce: true) } },
        },
        ["message.video"] = () => new Message { VideoMessage = Video(gif: false) },
        ["message.gif"] = () => new Message { VideoMessage = Video(gif: true) },
        ["message.ptv"] = () => new Message { PtvMessage = Video(gif: false) },
        ["message.voiceNote"] = () => new Message
        {
            AudioMessage = new Content.AudioMessage
            {
                Url = "https://mmg.whatsapp.net/v/t62.7117-24/1.enc", Mimetype = "audio/ogg; codecs=opus",
                FileSha256 = Key(31), FileLength = 12_345, Seconds = 7, Ptt = true, MediaKey = Key(32),
                FileEncSha256 = Key(33), DirectPath = "/v/t62.7117-24/1.enc", MediaKeyTimestamp = 1_700_000_000,
                Waveform = Bytes(64, 34),
            },
        },
        ["message.audio"] = () => new Message
        {
            AudioMessage = new Content.AudioMessage
            {
                Url = "https://mmg.whatsapp.net/a.enc", Mimetype = "audio/mp4", FileSha256 = Key(35),
                FileLength = 3_000_000, Seconds = 185, Ptt = false, MediaKey = Key(36), FileEncSha256 = Key(37),
            },
        },
        ["message.document"] = () => new Message { DocumentMessage = Document() },
        ["message.documentWithCaption"] = () => new Message
        {
            DocumentWithCaptionMessage = new Content.FutureProofMessage
            {
                Message = new Message { DocumentMessage = Document(caption: "the invoice") },
            },
        },
        ["message.sticker"] = () => new Message
        {
            StickerMessage = new Content.StickerMessage
            {
                Url = "https://mmg.whatsapp.net/s.enc", FileSha256 = Key(38), FileEncSha256 = Key(39), MediaKey = Key(40),
                Mimetype = "image/webp", Height = 512, Width = 512, DirectPath = "/v/s.enc", FileLength = 20_000,
                MediaKeyTimestamp = 1_700_000_000, IsAnimated = false, PngThumbnail = Bytes(100, 41),
            },
        },
        ["message.location"] = () => new Message
        {
            LocationMessage = new Content.LocationMessage
            {
                DegreesLatitude = 52.370216, DegreesLongitude = 4.895168, Name = "Dam", Address = "Amsterdam",
                Url = "https://maps.example/dam", AccuracyInMeters = 10, SpeedInMps = 1.5f, Comment = "here",
            },
        },
        ["message.liveLocation"] = () => new Message
        {
            LiveLocationMessage = new Content.LiveLocationMessage
            {
                DegreesLatitude = -33.8688, DegreesLongitude = 151.2093, AccuracyInMeters = 5, SpeedInMps = 0.25f,
                DegreesClockwiseFromMagneticNorth = 270, Caption = "on my way", SequenceNumber = 1_700_000_000_123,
                TimeOffset = 60,
            },
        },
        ["message.contact"] = () => new Message
        {
            ContactMessage = new Content.ContactMessage { DisplayName = "Ann", Vcard = Vcard("Ann", "15550004444") },
        },
        ["message.contactsArray"] = () => new Message
        {
            ContactsArrayMessage = new Content.ContactsArrayMessage
            {
                DisplayName = "2 contacts",
                Contacts =
                {
                    new Content.ContactMessage { DisplayName = "Ann", Vcard = Vcard("Ann", "15550004444") },
                    new Content.ContactMessage { DisplayName = "Bob", Vcard = Vcard("Bob", "15550005555") },
                },
            },
        },
        ["message.poll"] = () => Poll(v3: false),
        ["message.pollV3"] = () => Poll(v3: true),
        ["message.pollVote"] = () => new Message
        {
            PollUpdateMessage = new Content.PollUpdateMessage
            {
                PollCreationMessageKey = new MessageKey { RemoteJid = Peer, FromMe = true, Id = QuotedId },
                Vote = new Content.PollEncValue { EncPayload = Bytes(48, 42), EncIv = Bytes(12, 43) },
                Metadata = new Content.PollUpdateMessageMetadata(),
                SenderTimestampMs = 1_700_000_000_123,
            },
        },
        ["message.pollVote.decrypted"] = () => new Content.PollVoteMessage { SelectedOptions = { Key(44), Key(45) } },
        ["message.reaction"] = () => new Message
        {
            ReactionMessage = new Content.ReactionMessage
            {
                Key = new MessageKey { RemoteJid = Group, FromMe = false, Id = QuotedId, Participant = Peer },
                Text = "❤️", SenderTimestampMs = 1_700_000_000_456,
            },
        },
        ["message.reactionRemoved"] = () => new Message
        {
            ReactionMessage = new Content.ReactionMessage
            {
                Key = new MessageKey { RemoteJid = Peer, FromMe = true, Id = QuotedId }, Text = "", SenderTimestampMs = 1,
            },
        },
        ["message.revoke"] = () => new Message
        {
            ProtocolMessage = new Content.ProtocolMessage
            {
                Key = new MessageKey { RemoteJid = Peer, FromMe = true, Id = QuotedId },
                Type = Content.ProtocolMessage.Types.Type.Revoke,
            },
        },
        ["message.edit"] = Edit,
        ["message.ephemeralSetting"] = () => new Message
        {
            ProtocolMessage = new Content.ProtocolMessage
            {
                Type = Content.ProtocolMessage.Types.Type.EphemeralSetting, EphemeralExpiration = 604_800,
                EphemeralSettingTimestamp = 1_700_000_000,
                DisappearingMode = new DisappearingMode
                {
                    Initiator = DisappearingMode.Types.Initiator.InitiatedByMe,
                    Trigger = DisappearingMode.Types.Trigger.ChatSetting,
                },
            },
        },
        ["message.appStateSyncKeyShare"] = () => new Message
        {
            ProtocolMessage = new Content.ProtocolMessage
            {
                Type = Content.ProtocolMessage.Types.Type.AppStateSyncKeyShare,
                AppStateSyncKeyShare = new Content.AppStateSyncKeyShare
                {
                    Keys =
                    {
                        new Content.AppStateSyncKey
                        {
                            KeyId = new Content.AppStateSyncKeyId { KeyId = Bytes(6, 46) },
                            KeyData = new Content.AppStateSyncKeyData
                            {
                                KeyData = Key(47), Timestamp = 1_700_000_000_000,
                                Fingerprint = new Content.AppStateSyncKeyFingerprint
                                {
                                    RawId = 77, CurrentIndex = 2, DeviceIndexes = { 0, 2 },
                                },
                            },
                        },
                    },
                },
            },
        },
        ["message.historySyncNotification"] = () => new Message
        {
            ProtocolMessage = new Content.ProtocolMessage
            {
                Type = Content.ProtocolMessage.Types.Type.HistorySyncNotification,
                HistorySyncNotification = new Content.HistorySyncNotification
                {
                    FileSha256 = Key(48), FileLength = 1_234, MediaKey = Key(49), FileEncSha256 = Key(50),
                    DirectPath = "/v/t62.36145-24/h.enc", SyncType = Content.HistorySyncType.InitialBootstrap,
                    ChunkOrder = 0, Progress = 100, OriginalMessageId = "3EB0DEADBEEF",
                    InitialHistBootstrapInlinePayload = Bytes(80, 51),
                },
            },
        },
        ["message.senderKeyDistribution"] = () => new Message
        {
            SenderKeyDistributionMessage = new Content.SenderKeyDistributionMessage
            {
                GroupId = Group,
                AxolotlSenderKeyDistributionMessage = ByteString.CopyFrom(
                    [0x33, .. new SenderKeyDistributionMessage { Id = 5, Iteration = 0, ChainKey = Key(52), SigningKey = Bytes(33, 53) }.ToByteArray()]),
            },
            MessageContextInfo = new MessageContextInfo { MessageSecret = Key(54) },
        },
        ["message.deviceSent"] = () => new Message
        {
            DeviceSentMessage = new Content.DeviceSentMessage
            {
                DestinationJid = Peer, Message = TextReply(), Phash = "2:AbCdEf",
            },
            MessageContextInfo = new MessageContextInfo
            {
                MessageSecret = Key(55),
                DeviceListMetadata = new DeviceListMetadata
                {
                    SenderKeyHash = Bytes(10, 56), SenderTimestamp = 1_700_000_000, SenderKeyIndexes = { 1, 2 },
                    RecipientKeyHash = Bytes(10, 57), RecipientTimestamp = 1_699_999_999,
                    ReceiverAccountType = ADVEncryptionType.E2Ee,
                },
                DeviceListMetadataVersion = 2,
            },
        },
        ["message.ephemeral"] = () => new Message
        {
            EphemeralMessage = new Content.FutureProofMessage
            {
                Message = new Message
                {
                    ExtendedTextMessage = new Content.ExtendedTextMessage
                    {
                        Text = "gone in a week", ContextInfo = new ContextInfo { Expiration = 604_800, EphemeralSettingTimestamp = 1_700_000_000 },
                    },
                },
            },
        },
        ["message.viewOnce"] = () => new Message
        {
            ViewOnceMessage = new Content.FutureProofMessage { Message = new Message { VideoMessage = Video(gif: false) } },
        },
        ["message.groupInvite"] = () => new Message
        {
            GroupInviteMessage = new Content.GroupInviteMessage
            {
                GroupJid = Group, InviteCode = "AbCdEfGhIjK", InviteExpiration = 1_700_600_000, GroupName = "Team",
                Caption = "join us", GroupType = Content.GroupInviteMessage.Types.GroupType.Default,
            },
        },
        ["message.adReply"] = () => new Message
        {
            ExtendedTextMessage = new Content.ExtendedTextMessage
            {
                Text = "Hi, I saw your ad",
                ContextInfo = new ContextInfo
                {
                    ConversionSource = "FB_Ads", ConversionData = Bytes(16, 58), ConversionDelaySeconds = 3,
                    EntryPointConversionSource = "ctwa_ad", EntryPointConversionApp = "facebook",
                    ExternalAdReply = new ContextInfo.Types.ExternalAdReplyInfo
                    {
                        Title = "Sale", Body = "50% off", MediaType = ContextInfo.Types.ExternalAdReplyInfo.Types.MediaType.Image,
                        ThumbnailUrl = "https://example.com/t.jpg", SourceType = "ad", SourceId = "1234",
                        SourceUrl = "https://fb.me/x", ShowAdAttribution = true, CtwaClid = "clid", Ref = "r",
                    },
                },
            },
        },
        ["message.unknownEnumValue"] = () => new Message
        {
            // A ProtocolMessage type newer than this schema must survive as its number.
            ProtocolMessage = new Content.ProtocolMessage { Type = (Content.ProtocolMessage.Types.Type)999 },
        },
        ["message.placeholderResendRequest"] = () => new Message
        {
            ProtocolMessage = new Content.ProtocolMessage
            {
                Type = Content.ProtocolMessage.Types.Type.PeerDataOperationRequestMessage,
                PeerDataOperationRequestMessage = new Content.PeerDataOperationRequestMessage
                {
                    PeerDataOperationRequestType = Content.PeerDataOperationRequestType.PlaceholderMessageResend,
                    PlaceholderMessageResendRequest =
                    {
                        new Content.PeerDataOperationRequestMessage.Types.PlaceholderMessageResendRequest
                        {
                            MessageKey = new MessageKey { RemoteJid = Peer, FromMe = false, Id = QuotedId },
                        },
                    },
                },
            },
        },
        ["message.placeholderResendResponse"] = () => new Message
        {
            ProtocolMessage = new Content.ProtocolMessage
            {
                Type = Content.ProtocolMessage.Types.Type.PeerDataOperationRequestResponseMessage,
                PeerDataOperationRequestResponseMessage = new Content.PeerDataOperationRequestResponseMessage
                {
                    PeerDataOperationRequestType = Content.PeerDataOperationRequestType.PlaceholderMessageResend,
                    StanzaId = "3EB0CAFE",
                    PeerDataOperationResult =
                    {
                        new Content.PeerDataOperationRequestResponseMessage.Types.PeerDataOperationResult
                        {
                            PlaceholderMessageResendResponse = new()
                            {
                                WebMessageInfoBytes = WebMessage().ToByteString(),
                            },
                        },
                    },
                },
            },
        },
    };

    private static Message TextReply() => new()
    {
        ExtendedTextMessage = new Content.ExtendedTextMessage
        {
            Text = "@15550003333 see above",
            ContextInfo = new ContextInfo
            {
                StanzaId = QuotedId, Participant = Peer, RemoteJid = Group,
                QuotedMessage = new Message { Conversation = "the quoted text" },
                MentionedJid = { "15550003333@s.whatsapp.net", "15550004444@s.whatsapp.net" },
                NonJidMentions = 0,
                GroupMentions = { new GroupMention { GroupJid = Group, GroupSubject = "Team" } },
            },
        },
        MessageContextInfo = new MessageContextInfo { MessageSecret = Key(70) },
    };

    private static Content.ImageMessage Image(bool viewOnce = false) => new()
    {
        Url = "https://mmg.whatsapp.net/v/t62.7118-24/img.enc?ccb=11-4", Mimetype = "image/jpeg", Caption = "a photo",
        FileSha256 = Key(71), FileLength = 123_456, Height = 1080, Width = 1920, MediaKey = Key(72),
        FileEncSha256 = Key(73), DirectPath = "/v/t62.7118-24/img.enc?ccb=11-4", MediaKeyTimestamp = 1_700_000_000,
        JpegThumbnail = Bytes(300, 74), ViewOnce = viewOnce,
        ContextInfo = new ContextInfo { MentionedJid = { Peer } },
    };

    private static Content.VideoMessage Video(bool gif) => new()
    {
        Url = "https://mmg.whatsapp.net/v.enc", Mimetype = "video/mp4", FileSha256 = Key(75), FileLength = 5_000_000,
        Seconds = 12, MediaKey = Key(76), Caption = gif ? "" : "a clip", GifPlayback = gif, Height = 720, Width = 1280,
        FileEncSha256 = Key(77), DirectPath = "/v.enc", MediaKeyTimestamp = 1_700_000_000, JpegThumbnail = Bytes(100, 78),
        GifAttribution = gif ? Content.VideoMessage.Types.Attribution.Giphy : Content.VideoMessage.Types.Attribution.None,
        StreamingSidecar = Bytes(40, 79),
    };

    private static Content.DocumentMessage Document(string? caption = null)
    {
        var document = new Content.DocumentMessage
        {
            Url = "https://mmg.whatsapp.net/d.enc", Mimetype = "application/pdf", Title = "invoice.pdf",
            FileSha256 = Key(80), FileLength = 4_294_967_296, PageCount = 3, MediaKey = Key(81),
            FileName = "invoice.pdf", FileEncSha256 = Key(82), DirectPath = "/d.enc", MediaKeyTimestamp = 1_700_000_000,
        };
        if (caption is not null)
        {
            document.Caption = caption;
        }

        return document;
    }

    private static Message Poll(bool v3)
    {
        var poll = new Content.PollCreationMessage
        {
            Name = "Lunch?", SelectableOptionsCount = 1,
            Options =
            {
                new Content.PollCreationMessage.Types.Option { OptionName = "Pizza" },
                new Content.PollCreationMessage.Types.Option { OptionName = "Sushi" },
            },
        };
        var message = new Message { MessageContextInfo = new MessageContextInfo { MessageSecret = Key(83) } };
        if (v3)
        {
            message.PollCreationMessageV3 = poll;
        }
        else
        {
            message.PollCreationMessage = poll;
        }

        return message;
    }

    private static Message Edit() => new()
    {
        EditedMessage = new Content.FutureProofMessage
        {
            Message = new Message
            {
                ProtocolMessage = new Content.ProtocolMessage
                {
                    Key = new MessageKey { RemoteJid = Peer, FromMe = true, Id = QuotedId },
                    Type = Content.ProtocolMessage.Types.Type.MessageEdit,
                    EditedMessage = new Message { Conversation = "fixed typo" },
                    TimestampMs = 1_700_000_000_789,
                },
            },
        },
    };

    private static string Vcard(string name, string phone) =>
        $"BEGIN:VCARD\nVERSION:3.0\nFN:{name}\nTEL;type=CELL;waid={phone}:+{phone}\nEND:VCARD";
}

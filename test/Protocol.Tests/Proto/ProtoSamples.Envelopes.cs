using Google.Protobuf;
using WaOrleans.Protocol.Proto;

namespace WaOrleans.Protocol.Tests.Proto;

internal static partial class ProtoSamples
{
    // Stored-message envelopes (history sync) and the media re-upload exchange.
    private static Dictionary<string, Func<IMessage>> EnvelopeSamples() => new()
    {
        ["webMessageInfo"] = WebMessage,
        ["historySync"] = () => new HistorySync
        {
            SyncType = HistorySync.Types.HistorySyncType.InitialBootstrap,
            Conversations =
            {
                new Conversation
                {
                    Id = Peer, UnreadCount = 2, Name = "Peer", ConversationTimestamp = 1_700_000_000,
                    EphemeralExpiration = 0, PnJid = Peer, LidJid = "123456789012345@lid",
                    Messages = { new HistorySyncMsg { Message = WebMessage(), MsgOrderId = 1 } },
                },
            },
            Pushnames = { new Pushname { Id = Peer, Pushname_ = "Peer" } },
            PhoneNumberToLidMappings = { new PhoneNumberToLIDMapping { PnJid = Peer, LidJid = "123456789012345@lid" } },
            ChunkOrder = 1, Progress = 50,
        },
        ["serverErrorReceipt"] = () => new ServerErrorReceipt { StanzaId = QuotedId },
        ["mediaRetryNotification"] = () => new MediaRetryNotification
        {
            StanzaId = QuotedId, DirectPath = "/v/t62.7118-24/new.enc", Result = MediaRetryNotification.Types.ResultType.Success,
        },
    };

    private static WebMessageInfo WebMessage() => new()
    {
        Key = new MessageKey { RemoteJid = Group, FromMe = false, Id = "3EB0112233445566778899", Participant = Peer },
        Message = new Message { Conversation = "hi all" },
        MessageTimestamp = 1_700_000_000, Status = WebMessageInfo.Types.Status.DeliveryAck, Participant = Peer,
        PushName = "Peer", Broadcast = false, MessageStubParameters = { "a", "b" },
        UserReceipt = { new UserReceipt { UserJid = Me, ReceiptTimestamp = 1_700_000_001, ReadTimestamp = 1_700_000_002 } },
        Reactions = { new Reaction { Key = new MessageKey { RemoteJid = Group, Id = "X" }, Text = "👍", SenderTimestampMs = 5 } },
        MessageSecret = Key(84),
    };
}

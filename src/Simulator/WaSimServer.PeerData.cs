using System.Security.Cryptography;
using Google.Protobuf;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Proto;
using PeerDataType = WaOrleans.Protocol.Proto.Message.Types.PeerDataOperationRequestType;
using ProtocolType = WaOrleans.Protocol.Proto.Message.Types.ProtocolMessage.Types.Type;

namespace WaOrleans.Simulator;

/// <summary>
/// The phone's side of peer data operations: a companion that could not decrypt a message asks
/// its primary phone for it (placeholder resend, whatsmeow <c>BuildUnavailableMessageRequest</c>),
/// and the phone answers with its copy as <c>WebMessageInfo</c> bytes in a peer message.
/// </summary>
public sealed partial class WaSimServer
{
    /// <summary>
    /// Answers a companion's <c>PeerDataOperationRequestMessage</c>. The phone's copy of a message
    /// is what it decrypted itself, else what the sending simulated phone sent (every device of the
    /// account got that same message); a message it never had is left out of the answer.
    /// </summary>
    private async Task AnswerPeerDataRequestAsync(SimAccount owner, SimDevice companion, string requestId, Message.Types.PeerDataOperationRequestMessage request)
    {
        if (request.PeerDataOperationRequestType != PeerDataType.PlaceholderMessageResend)
        {
            return;
        }

        var response = new Message.Types.PeerDataOperationRequestResponseMessage
        {
            PeerDataOperationRequestType = PeerDataType.PlaceholderMessageResend,
            StanzaId = requestId,
        };
        foreach (var key in request.PlaceholderMessageResendRequest.Select(r => r.MessageKey).OfType<MessageKey>())
        {
            if (FindPhoneCopy(owner, key) is not { } copy)
            {
                continue;
            }

            response.PeerDataOperationResult.Add(new Message.Types.PeerDataOperationRequestResponseMessage.Types.PeerDataOperationResult
            {
                PlaceholderMessageResendResponse = new Message.Types.PeerDataOperationRequestResponseMessage.Types.PeerDataOperationResult.Types.PlaceholderMessageResendResponse
                {
                    WebMessageInfoBytes = copy.ToByteString(),
                },
            });
        }

        var answer = new Message
        {
            ProtocolMessage = new Message.Types.ProtocolMessage
            {
                Type = ProtocolType.PeerDataOperationRequestResponseMessage,
                PeerDataOperationRequestResponseMessage = response,
            },
        };
        var id = "3EB0" + Convert.ToHexString(RandomNumberGenerator.GetBytes(MessageIdEntropy));
        await SendToDeviceAsync(owner, companion, id, answer, peer: true).ConfigureAwait(false);
    }

    /// <summary>The phone's copy of the message a key names, as a <c>WebMessageInfo</c>; null when the phone never had it.</summary>
    private WebMessageInfo? FindPhoneCopy(SimAccount owner, MessageKey key)
    {
        if (!Jid.TryParse(key.RemoteJid, out var chat) || key.Id is not { Length: > 0 } id)
        {
            return null;
        }

        var senderJid = chat.IsGroup && Jid.TryParse(key.Participant, out var participant) ? participant : chat;
        lock (State.Sync)
        {
            if (owner.Inbox.LastOrDefault(e => e.Id == id && e.Message is not null) is { } received)
            {
                return WebMessage(key, received.Message!.DeviceSentMessage?.Message ?? received.Message!, received.Received, null);
            }

            if (State.FindAccount(senderJid) is { } sender && sender.Sent.TryGetValue(id, out var sent)
                && (sent.Group is null ? !chat.IsGroup : sent.Group == chat.WithoutDevice()))
            {
                return WebMessage(key, sent.Content, Options.TimeProvider.GetUtcNow(), sender.PushName);
            }
        }

        return null;
    }

    private static WebMessageInfo WebMessage(MessageKey key, Message content, DateTimeOffset timestamp, string? pushName)
    {
        var info = new WebMessageInfo
        {
            Key = new MessageKey { RemoteJid = key.RemoteJid, FromMe = key.FromMe, Id = key.Id },
            Message = content,
            MessageTimestamp = (ulong)timestamp.ToUnixTimeSeconds(),
        };
        if (key.HasParticipant)
        {
            info.Key.Participant = key.Participant;
        }

        if (pushName is not null)
        {
            info.PushName = pushName;
        }

        return info;
    }
}

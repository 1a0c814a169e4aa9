using Google.Protobuf;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Proto;
using WaOrleans.Protocol.Signal;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// Builds message content for <see cref="WaClient.SendMessageAsync"/>, kept apart from the send
/// path: each method returns a plain <see cref="Message"/> that can be inspected or changed.
/// </summary>
public static partial class MessageBuilder
{
    /// <summary>The size of a poll's message secret, from which votes are encrypted: 32 bytes as Baileys and whatsmeow.</summary>
    private const int MessageSecretSize = 32;

    /// <summary>A plain text message.</summary>
    public static Message Text(string text) => new() { Conversation = text };

    /// <summary>An extended text with a bold header and an italic footer around the body (WhatsApp's <c>*…*</c> and <c>_…_</c> markup).</summary>
    public static Message TextWithHeaderAndFooter(string? header, string body, string? footer)
    {
        var parts = new List<string>(3);
        if (!string.IsNullOrEmpty(header))
        {
            parts.Add("*" + header + "*");
        }

        parts.Add(body);
        if (!string.IsNullOrEmpty(footer))
        {
            parts.Add("_" + footer + "_");
        }

        return new Message { ExtendedTextMessage = new Message.Types.ExtendedTextMessage { Text = string.Join('\n', parts) } };
    }

    /// <summary>A text that quotes an earlier message (a reply).</summary>
    /// <param name="text">The reply.</param>
    /// <param name="quotedId">The quoted message's id.</param>
    /// <param name="quotedAuthor">Who wrote the quoted message (the participant in groups; the chat's user in 1:1).</param>
    /// <param name="quoted">The quoted content, shown in the reply bubble.</param>
    public static Message Reply(string text, string quotedId, Jid quotedAuthor, Message quoted) =>
        new()
        {
            ExtendedTextMessage = new Message.Types.ExtendedTextMessage
            {
                Text = text,
                ContextInfo = new ContextInfo { StanzaId = quotedId, Participant = quotedAuthor.WithoutDevice().ToString(), QuotedMessage = quoted },
            },
        };

    /// <summary>A text that mentions users; the text should name each as <c>@user</c>.</summary>
    public static Message Mention(string text, params IEnumerable<Jid> mentioned)
    {
        var context = new ContextInfo();
        context.MentionedJid.AddRange(mentioned.Select(j => j.WithoutDevice().ToString()));
        return new Message { ExtendedTextMessage = new Message.Types.ExtendedTextMessage { Text = text, ContextInfo = context } };
    }

    /// <summary>A location pin.</summary>
    public static Message Location(double latitude, double longitude, string? name = null, string? address = null)
    {
        var location = new Message.Types.LocationMessage { DegreesLatitude = latitude, DegreesLongitude = longitude };
        if (name is not null)
        {
            location.Name = name;
        }

        if (address is not null)
        {
            location.Address = address;
        }

        return new Message { LocationMessage = location };
    }

    /// <summary>A contact card.</summary>
    public static Message Contact(string displayName, string vcard) =>
        new() { ContactMessage = new Message.Types.ContactMessage { DisplayName = displayName, Vcard = vcard } };

    /// <summary>A reaction to a message; an empty emoji removes ours.</summary>
    public static Message Reaction(MessageKey target, string emoji, DateTimeOffset now) =>
        new()
        {
            ReactionMessage = new Message.Types.ReactionMessage { Key = target, Text = emoji, SenderTimestampMs = now.ToUnixTimeMilliseconds() },
        };

    /// <summary>New content for a message we sent.</summary>
    public static Message Edit(MessageKey target, Message newContent, DateTimeOffset now) =>
        new()
        {
            ProtocolMessage = new Message.Types.ProtocolMessage
            {
                Key = target,
                Type = Message.Types.ProtocolMessage.Types.Type.MessageEdit,
                EditedMessage = newContent,
                TimestampMs = now.ToUnixTimeMilliseconds(),
            },
        };

    /// <summary>Deletes a message for everyone.</summary>
    public static Message Revoke(MessageKey target) =>
        new() { ProtocolMessage = new Message.Types.ProtocolMessage { Key = target, Type = Message.Types.ProtocolMessage.Types.Type.Revoke } };

    /// <summary>A poll; <paramref name="selectableCount"/> 0 allows any number of choices. Carries the message secret votes are encrypted with.</summary>
    public static Message Poll(string name, IReadOnlyList<string> options, uint selectableCount, ISignalRandom? random = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var poll = new Message.Types.PollCreationMessage { Name = name, SelectableOptionsCount = selectableCount };
        poll.Options.AddRange(options.Select(o => new Message.Types.PollCreationMessage.Types.Option { OptionName = o }));
        var secret = new byte[MessageSecretSize];
        (random ?? SystemSignalRandom.Instance).Fill(secret);
        return new Message { PollCreationMessage = poll, MessageContextInfo = new MessageContextInfo { MessageSecret = ByteString.CopyFrom(secret) } };
    }

    /// <summary>The key that names a message for a reaction, edit or revoke.</summary>
    /// <param name="chat">The chat the message is in.</param>
    /// <param name="id">The message id.</param>
    /// <param name="fromMe">Whether we sent it.</param>
    /// <param name="participant">In groups, who sent it (when not us).</param>
    public static MessageKey Key(Jid chat, string id, bool fromMe, Jid? participant = null)
    {
        var key = new MessageKey { RemoteJid = chat.WithoutDevice().ToString(), Id = id, FromMe = fromMe };
        if (participant is { } p)
        {
            key.Participant = p.WithoutDevice().ToString();
        }

        return key;
    }
}

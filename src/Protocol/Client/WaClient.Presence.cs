using System.Collections.Concurrent;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Noise;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// Presence, chat state, read receipts and our own profile (PROTOCOL.md §7.3, §9.2): stanzas sent
/// without waiting for an answer, and the presence and chat-state stanzas others send us.
/// </summary>
public sealed partial class WaClient
{
    // Privacy tokens by contact (PROTOCOL.md §7.7): WhatsApp Web attaches one to a presence
    // subscription so the contact's privacy settings let it through.
    private ConcurrentDictionary<Jid, Store.PrivacyToken>? _privacyTokens;

    // Created on first use: most sessions idle, and an idle session should not pay for it.
    private ConcurrentDictionary<Jid, Store.PrivacyToken> PrivacyTokens => LazyInitializer.EnsureInitialized(ref _privacyTokens, () => new());

    /// <summary>
    /// Tells the server whether we are online (<c>&lt;presence name type/&gt;</c>). WhatsApp shows
    /// "online" to subscribers and, while unavailable, notifications keep going to the phone.
    /// </summary>
    /// <exception cref="TransportException">The client is not connected.</exception>
    public Task SendPresenceAsync(Availability availability, CancellationToken cancellationToken = default)
    {
        var attrs = Attrs(("type", availability == Availability.Available ? "available" : "unavailable"));
        if ((Credentials?.PushName ?? _options.PushName) is { Length: > 0 } name)
        {
            attrs["name"] = name;
        }

        return SendNodeAsync(CurrentConnection(), new Node("presence", attrs), cancellationToken);
    }

    /// <summary>Subscribes to a user's presence: a <see cref="PresenceEvent"/> follows now and on every change.</summary>
    /// <exception cref="TransportException">The client is not connected.</exception>
    public async Task SubscribePresenceAsync(Jid jid, CancellationToken cancellationToken = default)
    {
        var target = jid.WithoutDevice();
        var connection = CurrentConnection();
        var content = await GetPrivacyTokenAsync(target, cancellationToken).ConfigureAwait(false) is { } token
            ? NodeContent.FromChildren(new Node("tctoken", content: token.Token.ToArray()))
            : default;
        await SendNodeAsync(connection, new Node("presence", Attrs(("type", "subscribe"), ("to", target), ("id", NextId())), content), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Tells a chat that we are typing, recording, or stopped (<c>&lt;chatstate&gt;</c>).</summary>
    /// <exception cref="TransportException">The client is not connected.</exception>
    public Task SendChatStateAsync(Jid chat, ChatState state, CancellationToken cancellationToken = default)
    {
        var me = Credentials?.Me ?? throw new InvalidOperationException("the device is not paired");
        var child = state switch
        {
            ChatState.Composing => new Node("composing"),
            ChatState.Recording => new Node("composing", Attrs(("media", "audio"))),
            _ => new Node("paused"),
        };
        return SendNodeAsync(CurrentConnection(), new Node("chatstate", Attrs(("from", me.WithoutDevice()), ("to", chat.WithoutDevice())), NodeContent.FromChildren(child)), cancellationToken);
    }

    /// <summary>
    /// Marks messages of one chat as read (<c>&lt;receipt type="read"&gt;</c>, PROTOCOL.md §7.3):
    /// their senders see blue ticks.
    /// </summary>
    /// <param name="chat">The chat the messages are in.</param>
    /// <param name="sender">The sender of the messages in a group (the participant); null in a 1:1 chat.</param>
    /// <param name="messageIds">The message ids, at least one.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <exception cref="TransportException">The client is not connected.</exception>
    public Task MarkReadAsync(Jid chat, Jid? sender, IReadOnlyList<string> messageIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        if (messageIds.Count == 0)
        {
            throw new ArgumentException("name at least one message id", nameof(messageIds));
        }

        var attrs = Attrs(("id", messageIds[0]), ("to", chat.WithoutDevice()), ("type", "read"), ("t", Number(_time.GetUtcNow().ToUnixTimeSeconds())));
        if (sender is { } participant && chat.IsGroup)
        {
            attrs["participant"] = participant;
        }

        var content = messageIds.Count > 1
            ? NodeContent.FromChildren(new Node("list", content: NodeContent.FromChildren([.. messageIds.Skip(1).Select(id => new Node("item", Attrs(("id", id))))])))
            : default;
        return SendNodeAsync(CurrentConnection(), new Node("receipt", attrs, content), cancellationToken);
    }

    /// <summary>Gets our own account: JID, LID, push name and the phone's platform.</summary>
    /// <exception cref="InvalidOperationException">The device is not paired.</exception>
    public OwnProfile GetProfile()
    {
        var credentials = Credentials;
        var me = credentials?.Me ?? throw new InvalidOperationException("the device is not paired");
        return new OwnProfile(me, credentials.MeLid, credentials.PushName ?? _options.PushName, credentials.Platform);
    }

    private Task HandlePresenceAsync(ClientConnection connection, Node node)
    {
        var reader = new AttrReader(node);
        if (reader.GetOptionalJid("from") is not { } from)
        {
            return Task.CompletedTask;
        }

        var available = reader.GetOptionalString("type") != "unavailable";
        var last = reader.GetOptionalString("last") is { } text && long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : (DateTimeOffset?)null;
        return RaiseAsync(new PresenceEvent(reader.GetOptionalJid("participant") ?? from, available ? Availability.Available : Availability.Unavailable, last));
    }

    private Task HandleChatStateAsync(ClientConnection connection, Node node)
    {
        var reader = new AttrReader(node);
        if (reader.GetOptionalJid("from") is not { } from || node.Children.Count == 0)
        {
            return Task.CompletedTask;
        }

        var child = node.Children[0];
        var state = child.Tag switch
        {
            "composing" when child.GetAttr("media") == "audio" => ChatState.Recording,
            "composing" => ChatState.Composing,
            _ => ChatState.Paused,
        };
        return RaiseAsync(new ChatStateEvent(from.WithoutDevice(), reader.GetOptionalJid("participant") ?? from, state));
    }

    private ClientConnection CurrentConnection() =>
        _connection ?? throw new TransportException(TransportErrorKind.Closed, "the client is not connected");
}

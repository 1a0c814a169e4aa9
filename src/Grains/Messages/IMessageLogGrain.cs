using Orleans.Concurrency;

namespace WaOrleans.Grains.Messages;

/// <summary>
/// Reads the message log (any silo, straight from the database, without waking the session).
/// Use key 0. Callers have already checked that the session belongs to them.
/// </summary>
[Alias("WaOrleans.IMessageLogGrain")]
public interface IMessageLogGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Gets a page of a session's messages, newest first. A LID chat with a known number is shown
    /// under the number (<see cref="MessageRecord.ChatLid"/> keeps the LID), and the chat filter takes either.
    /// </summary>
    /// <exception cref="GatewayException">A filter or the cursor is invalid (<c>Invalid</c>).</exception>
    [Alias("QueryAsync"), ReadOnly]
    Task<MessagePage> QueryAsync(string sessionId, MessageQuery query);

    /// <summary>Gets one message, or null; its chat is shown as <see cref="QueryAsync"/> shows it.</summary>
    [Alias("GetAsync"), ReadOnly]
    Task<MessageRecord?> GetAsync(string sessionId, string messageId);

    /// <summary>Gets the chats of a session, most recent first.</summary>
    [Alias("GetChatsAsync"), ReadOnly]
    Task<IReadOnlyList<ChatSummary>> GetChatsAsync(string sessionId, int limit);

    /// <summary>Counts outbound messages since a time: of one session, or of every session of a tenant when <paramref name="sessionId"/> is null.</summary>
    [Alias("CountSentAsync"), ReadOnly]
    Task<long> CountSentAsync(string tenantId, string? sessionId, DateTimeOffset since);
}

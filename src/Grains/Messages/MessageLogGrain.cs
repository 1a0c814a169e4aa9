using Orleans.Concurrency;
using WaOrleans.Grains.Storage;

namespace WaOrleans.Grains.Messages;

/// <summary>
/// Reads the message log straight from the database on whichever silo the caller is on: the
/// sessions are not woken, and any number of workers may read at once.
/// </summary>
[StatelessWorker]
public sealed class MessageLogGrain(DeviceStorage storage) : Grain, IMessageLogGrain
{
    private readonly MessageTable _table = new(storage);

    /// <inheritdoc/>
    public async Task<MessagePage> QueryAsync(string sessionId, MessageQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < MessageLogConstants.MinPageSize or > MessageLogConstants.MaxPageSize)
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "invalid_limit",
                $"limit must be between {MessageLogConstants.MinPageSize} and {MessageLogConstants.MaxPageSize}", "limit");
        }

        if (query.Direction is not (null or MessageWords.In or MessageWords.Out))
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "invalid_direction", "direction must be 'in' or 'out'", "direction");
        }

        if (query.Status is { } status && !MessageWords.Statuses.Contains(status))
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "invalid_status", $"status must be one of {string.Join(", ", MessageWords.Statuses)}", "status");
        }

        MessageCursor? after = null;
        if (query.Cursor is { } cursor)
        {
            after = MessageCursor.TryDecode(cursor)
                ?? throw new GatewayException(GatewayErrorKind.Invalid, "invalid_cursor", "the cursor is not one this API returned", "cursor");
        }

        // One row more than asked tells whether a next page exists.
        var rows = await _table.QueryAsync(sessionId, query, after, query.Limit + 1, default);
        var items = rows.Take(query.Limit).Select(r => r.Shown).ToList();
        var next = rows.Count > query.Limit && items[^1] is { } last
            ? new MessageCursor(last.Timestamp.ToUnixTimeMilliseconds(), last.MessageId, last.Direction).Encode()
            : null;
        return new MessagePage { Items = items, NextCursor = next };
    }

    /// <inheritdoc/>
    public async Task<MessageRecord?> GetAsync(string sessionId, string messageId) =>
        (await _table.FindAsync(sessionId, messageId, default))?.Shown;

    /// <inheritdoc/>
    public Task<IReadOnlyList<ChatSummary>> GetChatsAsync(string sessionId, int limit)
    {
        if (limit is < MessageLogConstants.MinPageSize or > MessageLogConstants.MaxPageSize)
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "invalid_limit",
                $"limit must be between {MessageLogConstants.MinPageSize} and {MessageLogConstants.MaxPageSize}", "limit");
        }

        return _table.GetChatsAsync(sessionId, limit, default);
    }

    /// <inheritdoc/>
    public Task<long> CountSentAsync(string tenantId, string? sessionId, DateTimeOffset since) =>
        _table.CountSentAsync(tenantId, sessionId, since, default);
}

/// <summary>The fixed values of the message log, each with the reason for its value.</summary>
internal static class MessageLogConstants
{
    /// <summary>The smallest page.</summary>
    public const int MinPageSize = 1;

    /// <summary>The largest page: 200 rows keep one answer well under a megabyte of JSON.</summary>
    public const int MaxPageSize = 200;
}

using Orleans.Concurrency;
using WaOrleans.Grains.Storage;

namespace WaOrleans.Grains.Events;

/// <summary>Reads the <c>events</c> table for the event stream; stateless, so every silo answers from the shared database.</summary>
[StatelessWorker]
public sealed class EventFeedGrain(DeviceStorage storage) : Grain, IEventFeedGrain
{
    /// <summary>The most events one read returns, so a stream that fell far behind catches up in pages.</summary>
    private const int MaxRead = 1000;

    /// <inheritdoc/>
    public async Task<IReadOnlyList<StoredEvent>> ReadAsync(string sessionId, long afterSequence, int max)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        if (max < 1)
        {
            return [];
        }

        var events = new List<StoredEvent>();
        var connection = await storage.OpenConnectionAsync().ConfigureAwait(true);
        await using (connection.ConfigureAwait(true))
        {
            await using var command = connection.CreateCommand(
                null,
                "SELECT sequence, event_id, type, tenant_id, session_id, created_at, data FROM events WHERE session_id = @session AND sequence > @after ORDER BY sequence LIMIT @max")
                .With("@session", sessionId)
                .With("@after", afterSequence)
                .With("@max", Math.Min(max, MaxRead));
            await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(true);
            while (await reader.ReadAsync().ConfigureAwait(true))
            {
                events.Add(new StoredEvent
                {
                    Sequence = reader.GetInt64(0),
                    Event = new GatewayEvent
                    {
                        EventId = reader.GetString(1),
                        Type = reader.GetString(2),
                        TenantId = reader.GetString(3),
                        SessionId = reader.IsDBNull(4) ? null : reader.GetString(4),
                        Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                        DataJson = reader.GetString(6),
                    },
                });
            }
        }

        return events;
    }

    /// <inheritdoc/>
    public async Task<long> GetLatestSequenceAsync()
    {
        var connection = await storage.OpenConnectionAsync().ConfigureAwait(true);
        await using (connection.ConfigureAwait(true))
        {
            await using var command = connection.CreateCommand(null, "SELECT COALESCE(MAX(sequence), 0) FROM events");
            return Convert.ToInt64(await command.ExecuteScalarAsync().ConfigureAwait(true), System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}

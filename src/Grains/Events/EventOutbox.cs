using System.Data.Common;
using WaOrleans.Grains.Storage;

namespace WaOrleans.Grains.Events;

/// <summary>
/// Writes <see cref="GatewayEvent"/>s to the <c>events</c> table, on their own or inside the
/// caller's transaction (so an inbound message and its event commit together), and fans each new
/// event out to the webhook deliveries it matches in the same transaction.
/// </summary>
public sealed class EventOutbox(DeviceStorage storage)
{
    /// <summary>Stores the event in its own transaction; returns false when an event with its id was stored before.</summary>
    public async Task<bool> PublishAsync(GatewayEvent gatewayEvent, CancellationToken cancellationToken = default)
    {
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await storage.BeginTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var stored = await PublishAsync(connection, transaction, gatewayEvent, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return stored;
            }
        }
    }

    /// <summary>Stores the event inside the caller's transaction; returns false when an event with its id was stored before.</summary>
    public async Task<bool> PublishAsync(DbConnection connection, DbTransaction transaction, GatewayEvent gatewayEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(gatewayEvent);
        await using var command = connection.CreateCommand(
            transaction,
            "INSERT INTO events (event_id, type, tenant_id, session_id, created_at, data) VALUES (@id, @type, @tenant, @session, @at, @data) ON CONFLICT (event_id) DO NOTHING")
            .With("@id", gatewayEvent.EventId)
            .With("@type", gatewayEvent.Type)
            .With("@tenant", gatewayEvent.TenantId)
            .With("@session", (object?)gatewayEvent.SessionId ?? DBNull.Value)
            .With("@at", gatewayEvent.Timestamp.ToUnixTimeMilliseconds())
            .With("@data", gatewayEvent.DataJson);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }
}

using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace WaOrleans.Grains.Storage.Sqlite;

/// <summary>
/// Orleans' reminder table on the embedded SQLite database (migration 0014): Orleans ships none,
/// and with the in-memory table a single node forgot every reminder on a restart. Writes are
/// optimistic like Orleans' ADO.NET table: the ETag is the row's version, and a write or delete
/// with a stale one changes nothing.
/// </summary>
internal sealed class SqliteReminderTable(DeviceStorage storage, IOptions<ClusterOptions> cluster) : IReminderTable
{
    private const string Columns = "grain_id, reminder_name, start_at, period_ms, version";

    private const string SelectByGrainSql =
        "SELECT " + Columns + " FROM orleans_reminders WHERE service_id = @service AND grain_id = @grain";

    private const string SelectRowSql =
        "SELECT " + Columns + " FROM orleans_reminders WHERE service_id = @service AND grain_id = @grain AND reminder_name = @name";

    // Orleans' range (begin, end] on the ring; when begin >= end it wraps past the top.
    private const string SelectInRangeSql =
        "SELECT " + Columns + " FROM orleans_reminders WHERE service_id = @service AND grain_hash > @begin AND grain_hash <= @end";

    private const string SelectWrappedRangeSql =
        "SELECT " + Columns + " FROM orleans_reminders WHERE service_id = @service AND (grain_hash > @begin OR grain_hash <= @end)";

    private const string UpsertSql = """
        INSERT INTO orleans_reminders (service_id, grain_id, reminder_name, grain_hash, start_at, period_ms, version)
        VALUES (@service, @grain, @name, @hash, @start, @period, 1)
        ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
            SET start_at = excluded.start_at, period_ms = excluded.period_ms, version = orleans_reminders.version + 1
        RETURNING version
        """;

    private const string DeleteSql =
        "DELETE FROM orleans_reminders WHERE service_id = @service AND grain_id = @grain AND reminder_name = @name AND version = @version";

    private const string ClearSql = "DELETE FROM orleans_reminders WHERE service_id = @service";

    private string ServiceId => cluster.Value.ServiceId;

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task<ReminderTableData> ReadRows(GrainId grainId) =>
        ReadAsync(SelectByGrainSql, c => c.With("@grain", grainId.ToString()));

    /// <inheritdoc/>
    public Task<ReminderTableData> ReadRows(uint begin, uint end) =>
        ReadAsync(begin < end ? SelectInRangeSql : SelectWrappedRangeSql, c => c.With("@begin", (long)begin).With("@end", (long)end));

    /// <inheritdoc/>
    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        var rows = await ReadAsync(SelectRowSql, c => c.With("@grain", grainId.ToString()).With("@name", reminderName)).ConfigureAwait(false);
        return rows.Reminders.FirstOrDefault();
    }

    /// <inheritdoc/>
    public async Task<string?> UpsertRow(ReminderEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var connection = await storage.OpenConnectionAsync().ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand(null, UpsertSql)
                .With("@service", ServiceId)
                .With("@grain", entry.GrainId.ToString())
                .With("@name", entry.ReminderName)
                .With("@hash", (long)entry.GrainId.GetUniformHashCode())
                .With("@start", new DateTimeOffset(DateTime.SpecifyKind(entry.StartAt, DateTimeKind.Utc)).ToUnixTimeMilliseconds())
                .With("@period", (long)entry.Period.TotalMilliseconds);
            var version = Convert.ToInt64(await command.ExecuteScalarAsync().ConfigureAwait(false), CultureInfo.InvariantCulture);
            return version.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <inheritdoc/>
    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        if (!long.TryParse(eTag, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return false;
        }

        var connection = await storage.OpenConnectionAsync().ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand(null, DeleteSql)
                .With("@service", ServiceId)
                .With("@grain", grainId.ToString())
                .With("@name", reminderName)
                .With("@version", version);
            return await command.ExecuteNonQueryAsync().ConfigureAwait(false) == 1;
        }
    }

    /// <inheritdoc/>
    public async Task TestOnlyClearTable()
    {
        var connection = await storage.OpenConnectionAsync().ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand(null, ClearSql).With("@service", ServiceId);
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    private async Task<ReminderTableData> ReadAsync(string sql, Func<DbCommand, DbCommand> parameters)
    {
        var entries = new List<ReminderEntry>();
        var connection = await storage.OpenConnectionAsync().ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = parameters(connection.CreateCommand(null, sql).With("@service", ServiceId));
            await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                entries.Add(new ReminderEntry
                {
                    GrainId = GrainId.Parse(reader.GetString(0), CultureInfo.InvariantCulture),
                    ReminderName = reader.GetString(1),
                    StartAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)).UtcDateTime,
                    Period = TimeSpan.FromMilliseconds(reader.GetInt64(3)),
                    ETag = reader.GetInt64(4).ToString(CultureInfo.InvariantCulture),
                });
            }
        }

        return new ReminderTableData(entries);
    }
}

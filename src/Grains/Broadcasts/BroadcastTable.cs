using System.Data.Common;
using System.Globalization;
using WaOrleans.Grains.Storage;

namespace WaOrleans.Grains.Broadcasts;

/// <summary>A job's row in the <c>broadcasts</c> table.</summary>
internal sealed record BroadcastJob(
    string JobId,
    string TenantId,
    string SessionId,
    string Status,
    string ContentJson,
    int DelayMinMs,
    int DelayMaxMs,
    int Total,
    int Processed,
    int Succeeded,
    int Failed,
    string? Reason,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt)
{
    /// <summary>Gets whether the job still has recipients to send to.</summary>
    public bool IsActive => Status is BroadcastWords.Pending or BroadcastWords.Running;
}

/// <summary>A recipient still to be sent to.</summary>
internal sealed record PendingRecipient(int Position, string Phone, string? Name);

/// <summary>The status words of jobs and recipients.</summary>
internal static class BroadcastWords
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
    public const string Sent = "sent";
}

/// <summary>The <c>broadcasts</c> and <c>broadcast_recipients</c> tables (migration 0012). Times are Unix milliseconds.</summary>
internal sealed class BroadcastTable(DeviceStorage storage)
{
    private const string JobColumns =
        "job_id, tenant_id, session_id, status, content, delay_min_ms, delay_max_ms, total, processed, succeeded, failed, reason, created_at, completed_at";

    /// <summary>Stores a new job and its recipients in one transaction; returns false when the job id exists.</summary>
    public async Task<bool> InsertAsync(string jobId, BroadcastSpec spec, string contentJson, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await storage.BeginTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await using (var job = connection.CreateCommand(transaction,
                        "INSERT INTO broadcasts (job_id, tenant_id, session_id, status, content, delay_min_ms, delay_max_ms, total, created_at, updated_at) " +
                        "VALUES (@job, @tenant, @session, @status, @content, @min, @max, @total, @now, @now) ON CONFLICT (job_id) DO NOTHING")
                    .With("@job", jobId)
                    .With("@tenant", spec.TenantId)
                    .With("@session", spec.SessionId)
                    .With("@status", BroadcastWords.Running)
                    .With("@content", contentJson)
                    .With("@min", spec.DelayMinMs)
                    .With("@max", spec.DelayMaxMs)
                    .With("@total", spec.Recipients.Count)
                    .With("@now", now.ToUnixTimeMilliseconds()))
                {
                    if (await job.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                    {
                        return false;
                    }
                }

                await using var recipient = connection.CreateCommand(transaction,
                    "INSERT INTO broadcast_recipients (job_id, recipient_index, phone, name, status, updated_at) VALUES (@job, @position, @phone, @name, @status, @now)");
                var position = recipient.CreateParameter();
                position.ParameterName = "@position";
                var phone = recipient.CreateParameter();
                phone.ParameterName = "@phone";
                var name = recipient.CreateParameter();
                name.ParameterName = "@name";
                recipient.With("@job", jobId).With("@status", BroadcastWords.Pending).With("@now", now.ToUnixTimeMilliseconds());
                recipient.Parameters.Add(position);
                recipient.Parameters.Add(phone);
                recipient.Parameters.Add(name);
                for (var i = 0; i < spec.Recipients.Count; i++)
                {
                    position.Value = i;
                    phone.Value = spec.Recipients[i].Phone;
                    name.Value = (object?)spec.Recipients[i].Name ?? DBNull.Value;
                    await recipient.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
        }
    }

    /// <summary>Reads a job, or null.</summary>
    public async Task<BroadcastJob?> LoadAsync(string jobId, CancellationToken cancellationToken)
    {
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand(null, $"SELECT {JobColumns} FROM broadcasts WHERE job_id = @job").With("@job", jobId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            return new BroadcastJob(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                (int)Number(reader, 5), (int)Number(reader, 6), (int)Number(reader, 7), (int)Number(reader, 8), (int)Number(reader, 9), (int)Number(reader, 10),
                reader.IsDBNull(11) ? null : reader.GetString(11),
                DateTimeOffset.FromUnixTimeMilliseconds(Number(reader, 12)),
                reader.IsDBNull(13) ? null : DateTimeOffset.FromUnixTimeMilliseconds(Number(reader, 13)));
        }
    }

    /// <summary>Reads the per-recipient results of a job, in order.</summary>
    public async Task<IReadOnlyList<BroadcastRecipientResult>> LoadResultsAsync(string jobId, CancellationToken cancellationToken)
    {
        var results = new List<BroadcastRecipientResult>();
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand(null,
                "SELECT recipient_index, phone, status, message_id, reason FROM broadcast_recipients WHERE job_id = @job ORDER BY recipient_index").With("@job", jobId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                results.Add(new BroadcastRecipientResult
                {
                    Index = (int)Number(reader, 0),
                    Phone = reader.GetString(1),
                    Status = reader.GetString(2),
                    MessageId = reader.IsDBNull(3) ? null : reader.GetString(3),
                    Reason = reader.IsDBNull(4) ? null : reader.GetString(4),
                });
            }
        }

        return results;
    }

    /// <summary>Gets the first recipient not yet sent to, or null when none is left.</summary>
    public async Task<PendingRecipient?> NextPendingAsync(string jobId, CancellationToken cancellationToken)
    {
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand(null,
                    "SELECT recipient_index, phone, name FROM broadcast_recipients WHERE job_id = @job AND status = @pending ORDER BY recipient_index LIMIT 1")
                .With("@job", jobId)
                .With("@pending", BroadcastWords.Pending);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new PendingRecipient((int)Number(reader, 0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2))
                : null;
        }
    }

    /// <summary>Records one recipient's outcome and counts it, once: a second record of the same recipient changes nothing.</summary>
    public async Task RecordAsync(string jobId, int position, bool succeeded, string? messageId, string? reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await storage.BeginTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await using (var recipient = connection.CreateCommand(transaction,
                        "UPDATE broadcast_recipients SET status = @status, message_id = @message, reason = @reason, updated_at = @now WHERE job_id = @job AND recipient_index = @position AND status = @pending")
                    .With("@status", succeeded ? BroadcastWords.Sent : BroadcastWords.Failed)
                    .With("@message", (object?)messageId ?? DBNull.Value)
                    .With("@reason", (object?)reason ?? DBNull.Value)
                    .With("@now", now.ToUnixTimeMilliseconds())
                    .With("@job", jobId)
                    .With("@position", position)
                    .With("@pending", BroadcastWords.Pending))
                {
                    if (await recipient.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                    {
                        return;
                    }
                }

                var counter = succeeded ? "succeeded" : "failed";
                await using (var job = connection.CreateCommand(transaction,
                        $"UPDATE broadcasts SET processed = processed + 1, {counter} = {counter} + 1, updated_at = @now WHERE job_id = @job")
                    .With("@now", now.ToUnixTimeMilliseconds())
                    .With("@job", jobId))
                {
                    await job.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Ends a job that is still active with a final status; returns false when it had ended already.</summary>
    public async Task<bool> FinishAsync(string jobId, string status, string? reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand(null,
                    "UPDATE broadcasts SET status = @status, reason = @reason, completed_at = @now, updated_at = @now WHERE job_id = @job AND status IN (@pending, @running)")
                .With("@status", status)
                .With("@reason", (object?)reason ?? DBNull.Value)
                .With("@now", now.ToUnixTimeMilliseconds())
                .With("@job", jobId)
                .With("@pending", BroadcastWords.Pending)
                .With("@running", BroadcastWords.Running);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }
    }

    /// <summary>Lists the jobs still active, for the silo to resume at startup.</summary>
    public async Task<IReadOnlyList<string>> ListActiveAsync(CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        var connection = await storage.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand(null, "SELECT job_id FROM broadcasts WHERE status IN (@pending, @running) ORDER BY created_at")
                .With("@pending", BroadcastWords.Pending)
                .With("@running", BroadcastWords.Running);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ids.Add(reader.GetString(0));
            }
        }

        return ids;
    }

    private static long Number(DbDataReader reader, int ordinal) => Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using WaOrleans.Grains.Events;
using WaOrleans.Grains.Hosting;
using WaOrleans.Grains.Messages;
using WaOrleans.Grains.Sessions;
using WaOrleans.Grains.Storage;

namespace WaOrleans.Grains.Broadcasts;

/// <summary>
/// One broadcast job: the job and each recipient's outcome live in the database, and recipients
/// are sent one at a time, in order, through <see cref="ISessionGrain.SendAsync"/> with the
/// idempotency key <c>broadcast:{job}:{index}</c>. A resume after a node loss therefore sends
/// nobody twice (the key replays the first result, or finishes an interrupted send with the same
/// message id) and skips nobody (the next recipient is the first one not recorded).
/// </summary>
/// <remarks>
/// Each recipient is one timer tick, so no turn lasts the whole job and <see cref="GetAsync"/> and
/// <see cref="CancelAsync"/> get in between. A reminder brings the job back on another silo after
/// its silo died; at startup, <see cref="BroadcastResumer"/> does the same for in-memory reminders.
/// </remarks>
public sealed partial class BroadcastGrain : Grain, IBroadcastGrain, IRemindable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    [GeneratedRegex(@"\{\{\s*name\s*\}\}", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NamePlaceholder();

    private readonly BroadcastTable _table;
    private readonly EventOutbox _outbox;
    private readonly ILogger _logger;
    private IGrainTimer? _timer;
    private BroadcastJob? _job;
    private MessageContent? _content;
    private DateTimeOffset _lastProgress = DateTimeOffset.MinValue;
    private DateTimeOffset? _waitingSince;
    private bool _watchdogRegistered;

    /// <summary>Creates the grain with the shared storage.</summary>
    public BroadcastGrain(DeviceStorage storage, EventOutbox outbox, ILogger<BroadcastGrain> logger)
    {
        _table = new BroadcastTable(storage);
        _outbox = outbox;
        _logger = logger;
    }

    private string JobId => this.GetPrimaryKeyString();

    /// <inheritdoc/>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _job = await _table.LoadAsync(JobId, cancellationToken);
        if (_job is not null)
        {
            EnsureScheduled(_job);
        }
    }

    /// <inheritdoc/>
    public async Task<BroadcastStatus> StartAsync(BroadcastSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (await _table.LoadAsync(JobId, default) is { } existing)
        {
            // A start sent again (a caller retrying after an error) finds its job stored: it keeps running.
            EnsureScheduled(existing);
            return await DescribeAsync(existing);
        }

        Validate(spec);
        var session = await GrainFactory.GetGrain<ISessionGrain>(spec.SessionId).FindAsync();
        if (session is null || session.TenantId != spec.TenantId)
        {
            throw new GatewayException(GatewayErrorKind.NotFound, "session_not_found", $"session {spec.SessionId} does not exist", "sessionId");
        }

        await _table.InsertAsync(JobId, spec, JsonSerializer.Serialize(spec.Content, Json), DateTimeOffset.UtcNow, default);
        _job = await _table.LoadAsync(JobId, default);
        _logger.Started(JobId, spec.SessionId, spec.Recipients.Count);
        // The timer first: the job is stored, so from here on a failure must not leave it without one.
        Schedule(TimeSpan.Zero);
        await RegisterWatchdogAsync();
        return await DescribeAsync(_job!);
    }

    /// <inheritdoc/>
    public async Task<BroadcastStatus?> GetAsync()
    {
        if (await _table.LoadAsync(JobId, default) is not { } job)
        {
            return null;
        }

        // BroadcastResumer wakes jobs through this call after a silo died.
        EnsureScheduled(job);
        return await DescribeAsync(job);
    }

    /// <summary>Schedules an active job that has no timer in this activation; its next tick registers the watchdog if that is still to do.</summary>
    private void EnsureScheduled(BroadcastJob job)
    {
        if (job.IsActive && _timer is null)
        {
            _logger.Resuming(JobId, job.Processed, job.Total);
            Schedule(TimeSpan.Zero);
        }
    }

    /// <summary>
    /// Registers the reminder that brings the job back after its silo died. The reminder service
    /// can be unreachable for a moment (its range on a silo just killed): a failure is logged, and
    /// the next tick tries again, since the job runs on its timer meanwhile.
    /// </summary>
    private async Task RegisterWatchdogAsync()
    {
        try
        {
            await this.RegisterOrUpdateReminder(BroadcastConstants.WatchdogReminder, BroadcastConstants.WatchdogPeriod, BroadcastConstants.WatchdogPeriod);
            _watchdogRegistered = true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.WatchdogFailed(e, JobId);
        }
    }

    /// <inheritdoc/>
    public async Task<BroadcastStatus?> CancelAsync()
    {
        if (await _table.FinishAsync(JobId, BroadcastWords.Cancelled, "cancelled by the API", DateTimeOffset.UtcNow, default))
        {
            _logger.Cancelled(JobId);
            // The tick in flight, if any, sees the job is no longer active and stops.
            _job = await _table.LoadAsync(JobId, default);
            await RaiseCompletedAsync(_job!);
        }

        return await GetAsync();
    }

    /// <inheritdoc/>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        _watchdogRegistered = true;
        // Activation already scheduled an active job; a finished one needs its reminder no more.
        if (await _table.LoadAsync(JobId, default) is not { IsActive: true })
        {
            await StopAsync();
        }
        else if (_timer is null)
        {
            Schedule(TimeSpan.Zero);
        }
    }

    private void Schedule(TimeSpan due)
    {
        if (_timer is null)
        {
            _timer = this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions { DueTime = due, Period = Timeout.InfiniteTimeSpan, Interleave = false, KeepAlive = true });
            // A job may wait up to an hour between recipients: keep the activation for it.
            DelayDeactivation(Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Sends to the next recipient, records the outcome, and schedules the next tick after a random delay.</summary>
    private async Task TickAsync(CancellationToken cancellationToken)
    {
        var job = await _table.LoadAsync(JobId, cancellationToken);
        if (job is not { IsActive: true })
        {
            await StopAsync();
            return;
        }

        _job = job;
        if (!_watchdogRegistered)
        {
            await RegisterWatchdogAsync();
        }

        var next = await _table.NextPendingAsync(JobId, cancellationToken);
        if (next is null)
        {
            await FinishAsync(BroadcastWords.Completed, null);
            return;
        }

        _content ??= JsonSerializer.Deserialize<MessageContent>(job.ContentJson, Json)!;
        var request = new SendMessageRequest
        {
            To = next.Phone,
            Content = Personalize(_content, next.Name),
            IdempotencyKey = string.Create(CultureInfo.InvariantCulture, $"broadcast:{JobId}:{next.Position}"),
        };
        SendMessageResult result;
        try
        {
            result = await GrainFactory.GetGrainByKey<ISessionGrain>(job.SessionId).SendAsync(request);
        }
        catch (GatewayException e) when (e.Kind == GatewayErrorKind.LimitExceeded || (e.Kind == GatewayErrorKind.NotFound && e.Code == "session_not_found"))
        {
            // Every later recipient would meet the same refusal: stop here, the rest stay pending.
            await FinishAsync(BroadcastWords.Failed, $"{e.Code}: {e.Message}");
            return;
        }
        catch (GatewayException e) when (e.Kind is GatewayErrorKind.Invalid or GatewayErrorKind.Unprocessable)
        {
            await RecordAsync(job, next, succeeded: false, null, $"{e.Code}: {e.Message}");
            return;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Not connected (yet: the session may be failing over too), or the call was lost: try
            // the same recipient again later; its idempotency key makes that safe.
            _waitingSince ??= DateTimeOffset.UtcNow;
            if (DateTimeOffset.UtcNow - _waitingSince > BroadcastConstants.SessionWaitLimit)
            {
                await FinishAsync(BroadcastWords.Failed, $"the session could not send for {BroadcastConstants.SessionWaitLimit.TotalMinutes:0} minutes: {e.Message}");
                return;
            }

            _logger.Waiting(JobId, e.GetType().Name);
            Schedule(BroadcastConstants.SessionRetryDelay);
            return;
        }

        _waitingSince = null;
        await RecordAsync(job, next, result.Status != "failed", result.MessageId, result.Reason);
    }

    private async Task RecordAsync(BroadcastJob job, PendingRecipient recipient, bool succeeded, string? messageId, string? reason)
    {
        await _table.RecordAsync(JobId, recipient.Position, succeeded, messageId, reason, DateTimeOffset.UtcNow, default);
        var updated = await _table.LoadAsync(JobId, default) ?? job;
        _job = updated;
        if (updated.Processed >= updated.Total)
        {
            await FinishAsync(BroadcastWords.Completed, null);
            return;
        }

        var now = DateTimeOffset.UtcNow;
        if (updated.Processed % BroadcastConstants.ProgressEvery == 0 || now - _lastProgress >= BroadcastConstants.ProgressInterval)
        {
            _lastProgress = now;
            await RaiseAsync(GatewayEventTypes.BroadcastProgress, updated, updated.Processed.ToString(CultureInfo.InvariantCulture));
        }

        Schedule(TimeSpan.FromMilliseconds(Random.Shared.Next(updated.DelayMinMs, updated.DelayMaxMs + 1)));
    }

    private async Task FinishAsync(string status, string? reason)
    {
        if (await _table.FinishAsync(JobId, status, reason, DateTimeOffset.UtcNow, default) && await _table.LoadAsync(JobId, default) is { } job)
        {
            _job = job;
            _logger.Finished(JobId, status, job.Succeeded, job.Failed);
            await RaiseCompletedAsync(job);
        }

        await StopAsync();
    }

    private Task RaiseCompletedAsync(BroadcastJob job) => RaiseAsync(GatewayEventTypes.BroadcastCompleted, job, "end");

    private async Task RaiseAsync(string type, BroadcastJob job, string discriminator)
    {
        try
        {
            await _outbox.PublishAsync(GatewayEvents.Create(GatewayEvents.StableId(type, job.JobId, discriminator), type, job.TenantId, job.SessionId, DateTimeOffset.UtcNow, new
            {
                jobId = job.JobId,
                status = job.Status,
                total = job.Total,
                processed = job.Processed,
                succeeded = job.Succeeded,
                failed = job.Failed,
                reason = job.Reason,
            }));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.EventFailed(e, JobId, type);
        }
    }

    private async Task StopAsync()
    {
        _timer?.Dispose();
        _timer = null;
        DelayDeactivation(TimeSpan.Zero);
        if (await this.GetReminder(BroadcastConstants.WatchdogReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private async Task<BroadcastStatus> DescribeAsync(BroadcastJob job) => new()
    {
        JobId = job.JobId,
        TenantId = job.TenantId,
        SessionId = job.SessionId,
        Status = job.Status,
        Total = job.Total,
        Processed = job.Processed,
        Succeeded = job.Succeeded,
        Failed = job.Failed,
        Results = await _table.LoadResultsAsync(job.JobId, default),
        CreatedAt = job.CreatedAt,
        CompletedAt = job.CompletedAt,
    };

    /// <summary>Replaces <c>{{name}}</c> in the texts with the recipient's name (empty when it has none).</summary>
    private static MessageContent Personalize(MessageContent content, string? name)
    {
        var value = name ?? "";
        string? Fill(string? text) => text is null ? null : NamePlaceholder().Replace(text, _ => value);
        return content with { Text = Fill(content.Text), Header = Fill(content.Header), Footer = Fill(content.Footer) };
    }

    private static void Validate(BroadcastSpec spec)
    {
        if (string.IsNullOrWhiteSpace(spec.SessionId))
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "session_required", "a broadcast needs the sending session", "sessionId");
        }

        if (spec.Recipients is not { Count: > 0 } recipients || recipients.Count > BroadcastConstants.MaxRecipients)
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "invalid_recipients", $"a broadcast has 1 to {BroadcastConstants.MaxRecipients} recipients", "recipients");
        }

        for (var i = 0; i < recipients.Count; i++)
        {
            Recipients.Parse(recipients[i]?.Phone, string.Create(CultureInfo.InvariantCulture, $"recipients[{i}]"));
        }

        if (spec.DelayMinMs < 0 || spec.DelayMinMs > BroadcastConstants.MaxDelayMs)
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "invalid_delay", $"delayMin must be between 0 and {BroadcastConstants.MaxDelayMs} ms", "delayMin");
        }

        if (spec.DelayMaxMs < spec.DelayMinMs || spec.DelayMaxMs > BroadcastConstants.MaxDelayMs)
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "invalid_delay", $"delayMax must be between delayMin and {BroadcastConstants.MaxDelayMs} ms", "delayMax");
        }

        if (spec.Content is null || spec.Content.Kind == MessageKind.Reaction)
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "invalid_content", "a broadcast needs content other than a reaction", "content");
        }

        MessageComposer.Validate(new SendMessageRequest { To = recipients[0].Phone, Content = Personalize(spec.Content, "name") });
    }
}

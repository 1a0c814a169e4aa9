using Microsoft.Extensions.Logging;

namespace WaOrleans.Grains.Broadcasts;

/// <summary>Event ids of the broadcast log lines, stable for log queries.</summary>
internal static class BroadcastEventIds
{
    public const int Started = 4001;
    public const int Resuming = 4002;
    public const int Waiting = 4003;
    public const int Finished = 4004;
    public const int Cancelled = 4005;
    public const int EventFailed = 4006;
    public const int ResumeFailed = 4007;
    public const int Resumed = 4008;
    public const int ScanFailed = 4009;
    public const int WatchdogFailed = 4010;
}

/// <summary>The broadcast log lines. They name jobs, sessions and counts; never recipients or message text.</summary>
internal static partial class LogMessages
{
    [LoggerMessage(EventId = BroadcastEventIds.Started, Level = LogLevel.Information, Message = "Broadcast {JobId} from session {SessionId} started for {Total} recipients")]
    public static partial void Started(this ILogger logger, string jobId, string sessionId, int total);

    [LoggerMessage(EventId = BroadcastEventIds.Resuming, Level = LogLevel.Information, Message = "Broadcast {JobId} resuming after {Processed} of {Total} recipients")]
    public static partial void Resuming(this ILogger logger, string jobId, int processed, int total);

    [LoggerMessage(EventId = BroadcastEventIds.Waiting, Level = LogLevel.Information, Message = "Broadcast {JobId} waiting for its session ({Reason})")]
    public static partial void Waiting(this ILogger logger, string jobId, string reason);

    [LoggerMessage(EventId = BroadcastEventIds.Finished, Level = LogLevel.Information, Message = "Broadcast {JobId} {Status}: {Succeeded} sent, {Failed} failed")]
    public static partial void Finished(this ILogger logger, string jobId, string status, int succeeded, int failed);

    [LoggerMessage(EventId = BroadcastEventIds.Cancelled, Level = LogLevel.Information, Message = "Broadcast {JobId} cancelled")]
    public static partial void Cancelled(this ILogger logger, string jobId);

    [LoggerMessage(EventId = BroadcastEventIds.EventFailed, Level = LogLevel.Warning, Message = "Broadcast {JobId} could not store its {EventType} event")]
    public static partial void EventFailed(this ILogger logger, Exception exception, string jobId, string eventType);

    [LoggerMessage(EventId = BroadcastEventIds.ResumeFailed, Level = LogLevel.Error, Message = "Could not resume broadcast {JobId}")]
    public static partial void ResumeFailed(this ILogger logger, Exception exception, string jobId);

    [LoggerMessage(EventId = BroadcastEventIds.Resumed, Level = LogLevel.Information, Message = "Resumed {Count} broadcasts at startup")]
    public static partial void Resumed(this ILogger logger, int count);

    [LoggerMessage(EventId = BroadcastEventIds.ScanFailed, Level = LogLevel.Warning, Message = "Could not read the active broadcasts; trying again in {Delay}")]
    public static partial void ScanFailed(this ILogger logger, Exception exception, TimeSpan delay);

    [LoggerMessage(EventId = BroadcastEventIds.WatchdogFailed, Level = LogLevel.Warning, Message = "Broadcast {JobId} could not register its watchdog reminder yet; its next tick tries again")]
    public static partial void WatchdogFailed(this ILogger logger, Exception exception, string jobId);
}

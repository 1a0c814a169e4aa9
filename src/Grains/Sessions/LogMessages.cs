using Microsoft.Extensions.Logging;

namespace WaOrleans.Grains.Sessions;

/// <summary>Event ids of the session log lines, stable for log queries.</summary>
internal static class SessionEventIds
{
    public const int Online = 2001;
    public const int StatusChanged = 2002;
    public const int Fenced = 2003;
    public const int SendFailed = 2004;
    public const int ResumeFailed = 2005;
    public const int Resumed = 2006;
    public const int FailoverResuming = 2007;
    public const int MessageRecorded = 2008;
    public const int EventFailed = 2009;
    public const int SendRetrying = 2010;
    public const int Deleted = 2011;
    public const int HandingOver = 2012;
    public const int ReclaimingAfterReplaced = 2013;
    public const int Imported = 2014;
    public const int ActivationStorageFailed = 2015;
    public const int ScanFailed = 2016;
}

/// <summary>The session log lines. They name session ids, epochs, states and reasons; never QR strings, keys or message text.</summary>
internal static partial class LogMessages
{
    [LoggerMessage(EventId = SessionEventIds.Online, Level = LogLevel.Information, Message = "Session {GrainKey} going online with fencing epoch {Epoch}")]
    public static partial void GoingOnline(this ILogger logger, string grainKey, long epoch);

    [LoggerMessage(EventId = SessionEventIds.StatusChanged, Level = LogLevel.Information, Message = "Session {GrainKey} is {State} ({Reason})")]
    public static partial void StatusChanged(this ILogger logger, string grainKey, SessionState state, string? reason);

    [LoggerMessage(EventId = SessionEventIds.Fenced, Level = LogLevel.Warning, Message = "Session {GrainKey} epoch {Epoch} was superseded by {Current}; closing without reconnecting")]
    public static partial void Fenced(this ILogger logger, string grainKey, long epoch, long current);

    [LoggerMessage(EventId = SessionEventIds.SendFailed, Level = LogLevel.Warning, Message = "Session {GrainKey} could not send {MessageId}: {Reason}")]
    public static partial void SendFailed(this ILogger logger, string grainKey, string messageId, string reason);

    [LoggerMessage(EventId = SessionEventIds.ResumeFailed, Level = LogLevel.Error, Message = "Could not bring session {GrainKey} back online")]
    public static partial void ResumeFailed(this ILogger logger, Exception exception, string grainKey);

    [LoggerMessage(EventId = SessionEventIds.Resumed, Level = LogLevel.Information, Message = "Brought {Count} sessions back online at startup")]
    public static partial void Resumed(this ILogger logger, int count);

    [LoggerMessage(EventId = SessionEventIds.FailoverResuming, Level = LogLevel.Information, Message = "Silo {Silo} died: bringing back this silo's share of {Count} of the {Total} sessions that should be online")]
    public static partial void FailoverResuming(this ILogger logger, string silo, int count, int total);

    [LoggerMessage(EventId = SessionEventIds.MessageRecorded, Level = LogLevel.Debug, Message = "Session {GrainKey} recorded inbound {MessageId} ({Type})")]
    public static partial void MessageRecorded(this ILogger logger, string grainKey, string messageId, string type);

    [LoggerMessage(EventId = SessionEventIds.EventFailed, Level = LogLevel.Warning, Message = "Session {GrainKey} could not store its {EventType} event")]
    public static partial void EventFailed(this ILogger logger, Exception exception, string grainKey, string eventType);

    [LoggerMessage(EventId = SessionEventIds.SendRetrying, Level = LogLevel.Information, Message = "Session {GrainKey} send of {MessageId} failed on attempt {Attempt} ({Reason}); trying again")]
    public static partial void SendRetrying(this ILogger logger, string grainKey, string messageId, int attempt, string reason);

    [LoggerMessage(EventId = SessionEventIds.Deleted, Level = LogLevel.Information, Message = "Session {GrainKey} deleted with its messages")]
    public static partial void Deleted(this ILogger logger, string grainKey);

    [LoggerMessage(EventId = SessionEventIds.Imported, Level = LogLevel.Information, Message = "Session {GrainKey} imported a Baileys auth folder of {Files} files for {MeJid}")]
    public static partial void ImportedBaileysAuth(this ILogger logger, string grainKey, int files, string? meJid);

    [LoggerMessage(EventId = SessionEventIds.HandingOver, Level = LogLevel.Information, Message = "Shutting down: handing {Count} sessions over to the {Silos} other silos")]
    public static partial void HandingOver(this ILogger logger, int count, int silos);

    [LoggerMessage(EventId = SessionEventIds.ReclaimingAfterReplaced, Level = LogLevel.Warning, Message = "Session {GrainKey} was replaced (440) but still owns epoch {Epoch}: the other connection was stale; reconnecting (reclaim {Count})")]
    public static partial void ReclaimingAfterReplaced(this ILogger logger, string grainKey, long epoch, int count);

    [LoggerMessage(EventId = SessionEventIds.ActivationStorageFailed, Level = LogLevel.Error, Message = "Session {GrainKey} could not load its row ({ErrorType}); the caller gets storage_unavailable")]
    public static partial void ActivationStorageFailed(this ILogger logger, Exception exception, string grainKey, string errorType);

    [LoggerMessage(EventId = SessionEventIds.ScanFailed, Level = LogLevel.Warning, Message = "Could not read which sessions should be online; trying again in {Delay}")]
    public static partial void ScanFailed(this ILogger logger, Exception exception, TimeSpan delay);
}

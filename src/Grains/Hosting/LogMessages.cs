using Microsoft.Extensions.Logging;

namespace WaOrleans.Grains.Hosting;

/// <summary>Event ids of the hosting log lines (grain call filters, housekeeping), stable for log queries.</summary>
internal static class HostingEventIds
{
    public const int StorageUnavailable = 7001;
    public const int RetentionSwept = 7002;
    public const int RetentionFailed = 7003;
}

/// <summary>The hosting log lines. They name grains, methods and database error codes; never connection strings or credentials.</summary>
internal static partial class LogMessages
{
    [LoggerMessage(EventId = HostingEventIds.StorageUnavailable, Level = LogLevel.Error,
        Message = "{Interface}.{Method} on {Grain} failed on the database ({ErrorType}, SQL state {SqlState}); the caller gets storage_unavailable")]
    public static partial void StorageUnavailable(this ILogger logger, Exception exception, string @interface, string method, string grain, string errorType, string? sqlState);

    [LoggerMessage(EventId = HostingEventIds.RetentionSwept, Level = LogLevel.Information,
        Message = "Retention removed {Events} events, {Deliveries} webhook deliveries and {Attempts} webhook attempts")]
    public static partial void RetentionSwept(this ILogger logger, int events, int deliveries, int attempts);

    [LoggerMessage(EventId = HostingEventIds.RetentionFailed, Level = LogLevel.Warning, Message = "Retention sweep failed ({ErrorType}); the next tick tries again")]
    public static partial void RetentionFailed(this ILogger logger, Exception exception, string errorType);
}

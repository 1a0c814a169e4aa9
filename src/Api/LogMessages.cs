using Microsoft.Extensions.Logging;

namespace WaOrleans.Api;

/// <summary>Event ids of the API log lines, stable for log queries.</summary>
internal static class ApiEventIds
{
    public const int RequestFailed = 3001;
    public const int ResponseStarted = 3002;
    public const int KeyRejected = 3003;
    public const int AdminKeyConfigured = 3004;
    public const int AdminKeyGenerated = 3005;
    public const int GaugeFailed = 3006;
    public const int EventStreamFailed = 3007;
    public const int AdminKeyFailed = 3008;
}

/// <summary>The API log lines. They name routes, statuses and key ids; never keys, secrets, QR strings or message text.</summary>
internal static partial class LogMessages
{
    [LoggerMessage(EventId = ApiEventIds.RequestFailed, Level = LogLevel.Error, Message = "{Method} {Path} failed with {Status}")]
    public static partial void RequestFailed(this ILogger logger, Exception exception, string method, string path, int status);

    [LoggerMessage(EventId = ApiEventIds.ResponseStarted, Level = LogLevel.Warning, Message = "{Method} {Path} failed ({Code}) after the response started")]
    public static partial void ResponseAlreadyStarted(this ILogger logger, string method, string path, string code);

    [LoggerMessage(EventId = ApiEventIds.KeyRejected, Level = LogLevel.Information, Message = "Rejected an API key on {Method} {Path}: {Reason}")]
    public static partial void KeyRejected(this ILogger logger, string method, string path, string reason);

    [LoggerMessage(EventId = ApiEventIds.AdminKeyConfigured, Level = LogLevel.Information, Message = "The admin key comes from configuration (prefix {Prefix})")]
    public static partial void AdminKeyConfigured(this ILogger logger, string prefix);

    [LoggerMessage(EventId = ApiEventIds.AdminKeyGenerated, Level = LogLevel.Warning, Message = "Generated the admin key and printed it once to the console; store it now (it is kept only hashed)")]
    public static partial void AdminKeyGenerated(this ILogger logger);

    [LoggerMessage(EventId = ApiEventIds.GaugeFailed, Level = LogLevel.Debug, Message = "Could not refresh the sessions-by-status gauge")]
    public static partial void GaugeFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = ApiEventIds.EventStreamFailed, Level = LogLevel.Warning, Message = "The event stream of session {SessionId} stopped")]
    public static partial void EventStreamFailed(this ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(EventId = ApiEventIds.AdminKeyFailed, Level = LogLevel.Warning, Message = "Could not check the admin key yet; retrying")]
    public static partial void AdminKeyFailed(this ILogger logger, Exception exception);
}

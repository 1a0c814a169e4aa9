using Microsoft.Extensions.Logging;

namespace WaOrleans.Protocol.Client;

/// <summary>Event ids of the client's log lines, stable for log queries.</summary>
internal static class ClientEventIds
{
    public const int Connecting = 1001;
    public const int Connected = 1002;
    public const int Disconnected = 1003;
    public const int Reconnecting = 1004;
    public const int StreamError = 1005;
    public const int ConnectFailure = 1006;
    public const int HandlerFailed = 1007;
    public const int EventHandlerFailed = 1008;
    public const int UnhandledNode = 1009;
    public const int PairSuccess = 1010;
    public const int PairRejected = 1011;
    public const int PreKeysUploaded = 1012;
    public const int KeepAliveTimeout = 1013;
    public const int LoggedOut = 1014;
    public const int UndecodableFrame = 1015;
    public const int StateChanged = 1016;
    public const int DecryptFailed = 1017;
    public const int RetryAnswered = 1018;
    public const int RetryRequested = 1019;
    public const int PlaceholderResendRequested = 1020;
    public const int PhashMismatch = 1021;
}

/// <summary>The client's log lines. They name JIDs, codes and reasons; never keys, QR strings or payloads.</summary>
internal static partial class LogMessages
{
    [LoggerMessage(EventId = ClientEventIds.Connecting, Level = LogLevel.Debug, Message = "Connecting to {Endpoint} ({Mode})")]
    public static partial void Connecting(ILogger logger, Uri endpoint, string mode);

    [LoggerMessage(EventId = ClientEventIds.Connected, Level = LogLevel.Information, Message = "Connected as {Jid}")]
    public static partial void Connected(ILogger logger, string jid);

    [LoggerMessage(EventId = ClientEventIds.Disconnected, Level = LogLevel.Information, Message = "Disconnected: {Reason}")]
    public static partial void Disconnected(ILogger logger, string reason);

    [LoggerMessage(EventId = ClientEventIds.Reconnecting, Level = LogLevel.Information, Message = "Reconnecting in {Delay} (attempt {Attempt})")]
    public static partial void Reconnecting(ILogger logger, TimeSpan delay, int attempt);

    [LoggerMessage(EventId = ClientEventIds.StreamError, Level = LogLevel.Warning, Message = "Stream error {Code} {Conflict}")]
    public static partial void StreamError(ILogger logger, int code, string? conflict);

    [LoggerMessage(EventId = ClientEventIds.ConnectFailure, Level = LogLevel.Warning, Message = "Server refused the connection: {Code} {Reason}")]
    public static partial void ConnectFailure(ILogger logger, int code, string reason);

    [LoggerMessage(EventId = ClientEventIds.HandlerFailed, Level = LogLevel.Error, Message = "Handling <{Tag}> failed")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string tag);

    [LoggerMessage(EventId = ClientEventIds.EventHandlerFailed, Level = LogLevel.Error, Message = "An event handler failed on {EventType}")]
    public static partial void EventHandlerFailed(ILogger logger, Exception exception, string eventType);

    [LoggerMessage(EventId = ClientEventIds.UnhandledNode, Level = LogLevel.Debug, Message = "No handler for <{Tag}>")]
    public static partial void UnhandledNode(ILogger logger, string tag);

    [LoggerMessage(EventId = ClientEventIds.PairSuccess, Level = LogLevel.Information, Message = "Paired as {Jid} (lid {Lid}, platform {Platform})")]
    public static partial void PairSuccess(ILogger logger, string jid, string? lid, string? platform);

    [LoggerMessage(EventId = ClientEventIds.PairRejected, Level = LogLevel.Warning, Message = "Refused a pair-success: {Reason}")]
    public static partial void PairRejected(ILogger logger, string reason);

    [LoggerMessage(EventId = ClientEventIds.PreKeysUploaded, Level = LogLevel.Information, Message = "Uploaded {Count} prekeys (server had {ServerCount})")]
    public static partial void PreKeysUploaded(ILogger logger, int count, int serverCount);

    [LoggerMessage(EventId = ClientEventIds.KeepAliveTimeout, Level = LogLevel.Warning, Message = "No frame for {Silence}; the connection is dead")]
    public static partial void KeepAliveTimeout(ILogger logger, TimeSpan silence);

    [LoggerMessage(EventId = ClientEventIds.LoggedOut, Level = LogLevel.Warning, Message = "Logged out: {Reason}; credentials wiped")]
    public static partial void LoggedOut(ILogger logger, string reason);

    [LoggerMessage(EventId = ClientEventIds.UndecodableFrame, Level = LogLevel.Warning, Message = "Dropped an undecodable frame: {Reason}")]
    public static partial void UndecodableFrame(ILogger logger, string reason);

    [LoggerMessage(EventId = ClientEventIds.StateChanged, Level = LogLevel.Debug, Message = "State {Previous} -> {Current}")]
    public static partial void StateChanged(ILogger logger, WaConnectionState previous, WaConnectionState current);

    [LoggerMessage(EventId = ClientEventIds.DecryptFailed, Level = LogLevel.Warning, Message = "Could not decrypt message {Id} from {Sender}: {Reason}")]
    public static partial void DecryptFailed(ILogger logger, string id, string sender, string reason);

    [LoggerMessage(EventId = ClientEventIds.RetryAnswered, Level = LogLevel.Information, Message = "Resent message {Id} to {Device} (retry {Count}, session from the receipt's keys: {FromReceiptKeys})")]
    public static partial void RetryAnswered(ILogger logger, string id, string device, int count, bool fromReceiptKeys);

    [LoggerMessage(EventId = ClientEventIds.RetryRequested, Level = LogLevel.Information, Message = "Asked {Sender} to resend message {Id} (retry {Count}, with keys: {WithKeys})")]
    public static partial void RetryRequested(ILogger logger, string id, string sender, int count, bool withKeys);

    [LoggerMessage(EventId = ClientEventIds.PlaceholderResendRequested, Level = LogLevel.Information, Message = "Asked our phone to resend message {Id} from {Chat}")]
    public static partial void PlaceholderResendRequested(ILogger logger, string id, string chat);

    [LoggerMessage(EventId = ClientEventIds.PhashMismatch, Level = LogLevel.Information, Message = "The server's participant hash for message {Id} to {Chat} differs from ours; device lists dropped")]
    public static partial void PhashMismatch(ILogger logger, string id, string chat);
}

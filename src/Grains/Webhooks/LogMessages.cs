using Microsoft.Extensions.Logging;

namespace WaOrleans.Grains.Webhooks;

/// <summary>Event ids of the webhook log lines, stable for log queries.</summary>
internal static class WebhookEventIds
{
    public const int WorkerStarted = 6001;
    public const int AttemptFailed = 6002;
    public const int WebhookDisabled = 6003;
    public const int WorkerError = 6004;
    public const int WorkerStopped = 6005;
    public const int WebhookCreated = 6006;
    public const int WebhookDeleted = 6007;
}

/// <summary>The webhook log lines. They name webhook and delivery ids, event types and statuses; never secrets, signatures or bodies.</summary>
internal static partial class LogMessages
{
    [LoggerMessage(EventId = WebhookEventIds.WorkerStarted, Level = LogLevel.Information, Message = "Webhook delivery worker {Worker} started")]
    public static partial void WorkerStarted(this ILogger logger, string worker);

    [LoggerMessage(EventId = WebhookEventIds.AttemptFailed, Level = LogLevel.Debug, Message = "Delivery {DeliveryId} of {EventType} to webhook {WebhookId} failed (status {StatusCode}, attempt {Attempt})")]
    public static partial void AttemptFailed(this ILogger logger, string deliveryId, string eventType, string webhookId, int? statusCode, int attempt);

    [LoggerMessage(EventId = WebhookEventIds.WebhookDisabled, Level = LogLevel.Warning, Message = "Webhook {WebhookId} disabled: every delivery failed for {Hours} h")]
    public static partial void WebhookDisabled(this ILogger logger, string webhookId, double hours);

    [LoggerMessage(EventId = WebhookEventIds.WorkerError, Level = LogLevel.Error, Message = "Webhook delivery worker {Worker} could not reach the database; retrying")]
    public static partial void WorkerError(this ILogger logger, Exception exception, string worker);

    [LoggerMessage(EventId = WebhookEventIds.WorkerStopped, Level = LogLevel.Information, Message = "Webhook delivery worker {Worker} stopped; {InFlight} unfinished deliveries are left to their leases")]
    public static partial void WorkerStopped(this ILogger logger, string worker, int inFlight);

    [LoggerMessage(EventId = WebhookEventIds.WebhookCreated, Level = LogLevel.Information, Message = "Webhook {WebhookId} created for tenant {TenantId} (session {SessionId})")]
    public static partial void WebhookCreated(this ILogger logger, string webhookId, string tenantId, string? sessionId);

    [LoggerMessage(EventId = WebhookEventIds.WebhookDeleted, Level = LogLevel.Information, Message = "Webhook {WebhookId} deleted")]
    public static partial void WebhookDeleted(this ILogger logger, string webhookId);
}

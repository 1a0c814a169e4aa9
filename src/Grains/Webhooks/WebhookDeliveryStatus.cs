namespace WaOrleans.Grains.Webhooks;

/// <summary>The values of <see cref="WebhookDelivery.Status"/> as stored and shown.</summary>
public static class WebhookDeliveryStatus
{
    /// <summary>Queued, not attempted yet (or queued again by a redelivery).</summary>
    public const string Pending = "pending";

    /// <summary>A 2xx answer came back.</summary>
    public const string Succeeded = "succeeded";

    /// <summary>Every attempt in the retry window failed; no more attempts unless redelivered.</summary>
    public const string Failed = "failed";

    /// <summary>An attempt failed; another is scheduled.</summary>
    public const string Retrying = "retrying";
}

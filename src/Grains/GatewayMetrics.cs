using System.Diagnostics.Metrics;

namespace WaOrleans.Grains;

/// <summary>
/// The gateway's own instruments, on one <see cref="Meter"/> named <see cref="MeterName"/> that the
/// host exports (Prometheus <c>/metrics</c>). Counters are process-wide; each node reports its own.
/// </summary>
public static class GatewayMetrics
{
    /// <summary>The meter name the exporter subscribes to.</summary>
    public const string MeterName = "WaOrleans";

    /// <summary>Gets the meter.</summary>
    public static Meter Meter { get; } = new(MeterName);

    /// <summary>Gets the count of messages accepted for sending (tag <c>type</c>).</summary>
    public static Counter<long> MessagesSent { get; } = Meter.CreateCounter<long>("waorleans.messages.sent", "{message}", "Messages accepted for sending");

    /// <summary>Gets the count of messages received from WhatsApp (tag <c>type</c>).</summary>
    public static Counter<long> MessagesReceived { get; } = Meter.CreateCounter<long>("waorleans.messages.received", "{message}", "Messages received from WhatsApp");

    /// <summary>Gets the count of webhook delivery attempts (tag <c>outcome</c>: <c>succeeded</c> or <c>failed</c>).</summary>
    public static Counter<long> WebhookDeliveries { get; } = Meter.CreateCounter<long>("waorleans.webhook.deliveries", "{attempt}", "Webhook delivery attempts");

    /// <summary>Gets the count of webhook delivery attempts that failed (non-2xx, timeout, refused).</summary>
    public static Counter<long> WebhookFailures { get; } = Meter.CreateCounter<long>("waorleans.webhook.failures", "{attempt}", "Webhook delivery attempts that failed");
}

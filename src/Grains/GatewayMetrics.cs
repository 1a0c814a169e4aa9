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

    /// <summary>Gets how long sends take, from the grain call to WhatsApp's ack (tag <c>outcome</c>: <c>sent</c> or <c>failed</c>).</summary>
    public static Histogram<double> SendDuration { get; } = Meter.CreateHistogram<double>("waorleans.send.duration", "s", "Time from a send request to WhatsApp's ack");

    /// <summary>Gets how long webhook attempts take, until the receiver's status line or the timeout.</summary>
    public static Histogram<double> WebhookDuration { get; } = Meter.CreateHistogram<double>("waorleans.webhook.duration", "s", "Webhook attempt duration");
}

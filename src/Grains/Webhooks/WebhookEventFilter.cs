using WaOrleans.Grains.Events;

namespace WaOrleans.Grains.Webhooks;

/// <summary>A webhook's event filter: <c>*</c> or a list of <see cref="GatewayEventTypes"/>, stored comma-separated.</summary>
internal static class WebhookEventFilter
{
    private static readonly HashSet<string> Known = new(GatewayEventTypes.All, StringComparer.Ordinal);

    /// <summary>Checks and normalizes a requested filter: null means all; <c>*</c> with others is just <c>*</c>; duplicates go.</summary>
    /// <exception cref="GatewayException">Empty, or naming an unknown event type.</exception>
    public static IReadOnlyList<string> Normalize(IReadOnlyList<string>? events)
    {
        if (events is null)
        {
            return [WebhookConstants.AllEvents];
        }

        if (events.Count == 0)
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "webhook_events_invalid", "events must name at least one event type, or \"*\" for all", "events");
        }

        var result = new List<string>();
        foreach (var name in events)
        {
            if (name == WebhookConstants.AllEvents)
            {
                return [WebhookConstants.AllEvents];
            }

            if (name is null || !Known.Contains(name))
            {
                throw new GatewayException(
                    GatewayErrorKind.Invalid,
                    "webhook_events_invalid",
                    $"unknown event type '{name}'; use \"*\" or one of: {string.Join(", ", GatewayEventTypes.All)}",
                    "events");
            }

            if (!result.Contains(name))
            {
                result.Add(name);
            }
        }

        return result;
    }

    /// <summary>Gets whether a filter delivers the event type.</summary>
    public static bool Matches(IReadOnlyList<string> filter, string eventType) =>
        filter.Contains(WebhookConstants.AllEvents) || filter.Contains(eventType);

    /// <summary>Gets the stored form.</summary>
    public static string Format(IReadOnlyList<string> filter) => string.Join(',', filter);

    /// <summary>Reads the stored form.</summary>
    public static IReadOnlyList<string> Parse(string stored) => stored.Split(',', StringSplitOptions.RemoveEmptyEntries);
}

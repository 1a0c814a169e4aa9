using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WaOrleans.Api.Auth;
using WaOrleans.Api.Contracts;
using WaOrleans.Grains.Events;

namespace WaOrleans.Api.Endpoints;

/// <summary>
/// <c>GET /api/sessions/{id}/events</c>: server-sent events. The current status goes first (event
/// <c>status</c>), then every event of the session from the event feed, polled every
/// <see cref="ApiConstants.EventPollInterval"/> from the newest sequence (or after
/// <c>Last-Event-ID</c> when a client reconnects), with a comment line as heartbeat. It ends
/// when the client disconnects.
/// </summary>
public static class SessionEventStream
{
    /// <summary>Streams the events.</summary>
    public static async Task StreamAsync(string id, HttpContext context, Caller caller, IGrainFactory grains, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, ILoggerFactory loggers, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(time);
        var (_, status) = await SessionAccess.RequireAsync(grains, caller, id);
        var feed = grains.GetGrain<IEventFeedGrain>(0);
        var after = long.TryParse(context.Request.Headers["Last-Event-ID"], NumberStyles.None, CultureInfo.InvariantCulture, out var resumeAfter)
            ? resumeAfter
            : await feed.GetLatestSequenceAsync();

        var aborted = context.RequestAborted;
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var options = json.Value.SerializerOptions;
        await WriteAsync(response, null, "status", JsonSerializer.Serialize(SessionResponse.From(status), options), aborted);
        var lastWrite = time.GetUtcNow();
        try
        {
            while (!aborted.IsCancellationRequested)
            {
                var events = await feed.ReadAsync(id, after, ApiConstants.EventBatch);
                foreach (var stored in events)
                {
                    after = stored.Sequence;
                    await WriteAsync(response, stored.Sequence, stored.Event.Type, Envelope(stored.Event), aborted);
                    lastWrite = time.GetUtcNow();
                }

                if (time.GetUtcNow() - lastWrite >= ApiConstants.EventHeartbeat)
                {
                    await response.WriteAsync(": heartbeat\n\n", aborted);
                    await response.Body.FlushAsync(aborted);
                    lastWrite = time.GetUtcNow();
                }

                if (events.Count < ApiConstants.EventBatch)
                {
                    await Task.Delay(ApiConstants.EventPollInterval, time, aborted);
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client closed the stream.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The headers are gone; the client sees the stream end and reconnects with Last-Event-ID.
            loggers.CreateLogger(typeof(SessionEventStream)).EventStreamFailed(e, id);
        }

    }

    /// <summary>Builds the webhook body shape (<c>{"event", "sessionId", "timestamp", "data"}</c>) around the stored data.</summary>
    private static string Envelope(GatewayEvent e)
    {
        var builder = new StringBuilder(e.DataJson.Length + 128);
        builder.Append("{\"event\":").Append(JsonSerializer.Serialize(e.Type))
            .Append(",\"eventId\":").Append(JsonSerializer.Serialize(e.EventId))
            .Append(",\"sessionId\":").Append(JsonSerializer.Serialize(e.SessionId))
            .Append(",\"timestamp\":").Append(JsonSerializer.Serialize(e.Timestamp))
            .Append(",\"data\":").Append(string.IsNullOrEmpty(e.DataJson) ? "null" : e.DataJson)
            .Append('}');
        return builder.ToString();
    }

    private static async Task WriteAsync(HttpResponse response, long? sequence, string type, string data, CancellationToken cancellationToken)
    {
        var frame = new StringBuilder();
        if (sequence is { } id)
        {
            frame.Append("id: ").Append(id.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        frame.Append("event: ").Append(type).Append('\n');
        // Data is one JSON line; JSON text never holds a raw newline, but be safe for any payload.
        foreach (var line in data.Split('\n'))
        {
            frame.Append("data: ").Append(line).Append('\n');
        }

        frame.Append('\n');
        await response.WriteAsync(frame.ToString(), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}

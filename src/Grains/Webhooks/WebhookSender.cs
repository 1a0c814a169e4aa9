using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace WaOrleans.Grains.Webhooks;

/// <summary>
/// Makes one HTTP attempt of a delivery: builds the body, signs it, POSTs it within the timeout and
/// reports status, latency and the start of the answer. It never throws for the receiver's
/// failures; they are outcomes. Connections go only to addresses <see cref="PrivateTargetGuard"/>
/// allows, checked at every connect, and redirects are not followed.
/// </summary>
internal sealed class WebhookSender : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json") { CharSet = "utf-8" };

    private readonly HttpClient _client;
    private readonly WebhookOptions _options;
    private readonly TimeProvider _time;

    public WebhookSender(WebhookOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            // A proxy would make the connect check below vet the proxy instead of the target.
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            // A pooled connection outliving a DNS change would keep reaching the old address.
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            ConnectTimeout = options.Timeout,
            ConnectCallback = ConnectAsync,
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd(WebhookConstants.UserAgent);
    }

    /// <inheritdoc/>
    public void Dispose() => _client.Dispose();

    /// <summary>Builds the delivery body: <c>{"event","sessionId","timestamp","data"}</c> with the event's data inlined as JSON.</summary>
    public static byte[] BuildBody(ClaimedDelivery delivery)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("event", delivery.EventType);
            json.WriteString("sessionId", delivery.SessionId);
            json.WriteString("timestamp", delivery.EventTime.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            json.WritePropertyName("data");
            try
            {
                json.WriteRawValue(delivery.DataJson);
            }
            catch (JsonException)
            {
                // Events are written by the gateway as JSON; should one not be, it still goes out, as text.
                json.WriteStringValue(delivery.DataJson);
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Makes the attempt and records its duration in <see cref="GatewayMetrics"/> (the worker counts outcomes).</summary>
    public async Task<AttemptOutcome> SendAsync(ClaimedDelivery delivery, CancellationToken cancellationToken)
    {
        var outcome = await AttemptAsync(delivery, cancellationToken).ConfigureAwait(false);
        GatewayMetrics.WebhookDuration.Record(outcome.Latency.TotalSeconds);
        return outcome;
    }

    private async Task<AttemptOutcome> AttemptAsync(ClaimedDelivery delivery, CancellationToken cancellationToken)
    {
        var at = _time.GetUtcNow();
        var started = Stopwatch.GetTimestamp();
        var key = WebhookSigner.TryDecodeKey(delivery.Secret);
        if (!delivery.Loaded || key is null)
        {
            return new AttemptOutcome(at, null, TimeSpan.Zero, delivery.Loaded ? "the webhook's secret cannot be decoded" : "the webhook or its event no longer exists");
        }

        var body = BuildBody(delivery);
        var timestamp = at.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = JsonContentType;
        request.Headers.TryAddWithoutValidation("webhook-id", delivery.DeliveryId);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("webhook-signature", WebhookSigner.StandardSignature(key, delivery.DeliveryId, timestamp, body));
        request.Headers.TryAddWithoutValidation("X-WaOrleans-Event", delivery.EventType);
        request.Headers.TryAddWithoutValidation("X-WaOrleans-Signature", WebhookSigner.BodySignature(key, body));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var excerpt = await ReadExcerptAsync(response, timeout.Token).ConfigureAwait(false);
            return new AttemptOutcome(at, (int)response.StatusCode, Stopwatch.GetElapsedTime(started), excerpt);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AttemptOutcome(at, null, Stopwatch.GetElapsedTime(started), FormattableString.Invariant($"no answer within {_options.Timeout.TotalSeconds:0.###} s"));
        }
        catch (HttpRequestException e)
        {
            return new AttemptOutcome(at, null, Stopwatch.GetElapsedTime(started), Excerpt(Describe(e)));
        }
    }

    private static async Task<string?> ReadExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[WebhookConstants.ResponseExcerptBytes];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            return read == 0 ? null : Excerpt(Encoding.UTF8.GetString(buffer, 0, read));
        }
    }

    private static string Excerpt(string text) =>
        text.Length <= WebhookConstants.ResponseExcerptBytes ? text : text[..WebhookConstants.ResponseExcerptBytes];

    private static string Describe(HttpRequestException e) =>
        e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;

    private ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken) =>
        PrivateTargetGuard.ConnectAsync(context, _options.AllowPrivateTargets, cancellationToken);
}

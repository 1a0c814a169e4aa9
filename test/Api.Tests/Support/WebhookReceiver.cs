using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace WaOrleans.Api.Tests.Support;

/// <summary>
/// A webhook receiver written independently of the gateway: a plain HTTP listener that keeps every
/// POST and checks both signature schemes of DESIGN.md "Webhooks" itself.
/// </summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly Task _loop;

    /// <summary>Starts listening on a free loopback port.</summary>
    public WebhookReceiver()
    {
        var port = GatewayProcess.FreePort();
        Url = $"http://127.0.0.1:{port}/hook";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>Gets the URL to register.</summary>
    public string Url { get; }

    /// <summary>Gets what arrived so far.</summary>
    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    /// <summary>Waits for a delivery matching the predicate.</summary>
    public async Task<ReceivedWebhook> WaitForAsync(Func<ReceivedWebhook, bool> match, string what)
    {
        ReceivedWebhook? found = null;
        await GatewayFixture.WaitUntilAsync(() => Task.FromResult((found = _received.FirstOrDefault(match)) is not null), what);
        return found!;
    }

    /// <summary>Stops listening.</summary>
    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loop ends with the listener.
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!.ToLowerInvariant(), k => context.Request.Headers[k] ?? "");
            _received.Enqueue(new ReceivedWebhook(headers, body.ToArray()));
            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }
}

/// <summary>One POST the receiver got.</summary>
/// <param name="Headers">The headers, by lower-case name.</param>
/// <param name="Body">The raw body.</param>
public sealed record ReceivedWebhook(IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    /// <summary>Gets the body as JSON.</summary>
    public JsonNode Json => JsonNode.Parse(Body)!;

    /// <summary>Gets the event type of the body.</summary>
    public string Event => Json["event"]!.GetValue<string>();

    /// <summary>Checks both signatures with the webhook's secret: Standard Webhooks and the simple hex one.</summary>
    public void AssertSignedWith(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var id = Headers["webhook-id"];
        var timestamp = Headers["webhook-timestamp"];
        var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(Body).ToArray();
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
        Assert.Contains(expected, Headers["webhook-signature"].Split(' '));
        Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, Body)), Headers["x-waorleans-signature"]);
        Assert.Equal(Event, Headers["x-waorleans-event"]);
        var age = DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeSeconds(long.Parse(timestamp, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(age.Duration() < TimeSpan.FromMinutes(5), $"webhook-timestamp is {age} away from now");
    }
}

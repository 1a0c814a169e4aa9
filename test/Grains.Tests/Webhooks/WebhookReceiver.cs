using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace WaOrleans.Grains.Tests.Webhooks;

/// <summary>One POST the receiver got.</summary>
public sealed record ReceivedRequest(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, long ArrivedTimestamp)
{
    /// <summary>Gets the <c>webhook-id</c> header.</summary>
    public string DeliveryId => Headers["webhook-id"];

    /// <summary>Gets the body parsed.</summary>
    public JsonObject Json => JsonNode.Parse(Body)!.AsObject();
}

/// <summary>
/// A webhook receiver on a loopback port: a plain <see cref="HttpListener"/> that records every
/// request and answers with the status <see cref="Respond"/> picks. It can go down (its port
/// refuses connections) and come back on the same port.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private readonly int _port;
    private HttpListener? _listener;
    private Task _loop = Task.CompletedTask;
    private int _concurrent;
    private int _maxConcurrent;

    private WebhookReceiver(int port) => _port = port;

    /// <summary>Gets or sets how the receiver answers a request (default 200).</summary>
    public Func<ReceivedRequest, int> Respond { get; set; } = _ => 200;

    /// <summary>Gets or sets how long it waits before answering.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Gets the most requests the receiver was handling at one time.</summary>
    public int MaxConcurrent => Volatile.Read(ref _maxConcurrent);

    /// <summary>Gets the base URL, ending in a slash.</summary>
    public string BaseUrl => $"http://127.0.0.1:{_port}/";

    /// <summary>Gets every request so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> Requests => [.. _requests];

    /// <summary>Starts a receiver on a free loopback port.</summary>
    public static WebhookReceiver Start()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var receiver = new WebhookReceiver(port);
        receiver.Up();
        return receiver;
    }

    /// <summary>Gets the requests that came to one path.</summary>
    public IReadOnlyList<ReceivedRequest> At(string path) => Requests.Where(r => r.Path == "/" + path).ToList();

    /// <summary>Starts listening (again) on the receiver's port.</summary>
    public void Up()
    {
        if (_listener is not null)
        {
            return;
        }

        var listener = new HttpListener();
        listener.Prefixes.Add(BaseUrl);
        listener.Start();
        _listener = listener;
        _loop = Task.Run(() => ServeAsync(listener));
    }

    /// <summary>Stops listening: connections to the port are refused until <see cref="Up"/>.</summary>
    public async Task DownAsync()
    {
        if (_listener is { } listener)
        {
            _listener = null;
            listener.Close();
            await _loop;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await DownAsync();

    /// <summary>Waits until <paramref name="condition"/> holds for the requests so far.</summary>
    public async Task<IReadOnlyList<ReceivedRequest>> WaitForAsync(Func<IReadOnlyList<ReceivedRequest>, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var requests = Requests;
            if (condition(requests))
            {
                return requests;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}; got {requests.Count} requests: {string.Join(", ", requests.Select(r => r.Path + " " + r.Headers.GetValueOrDefault("x-waorleans-event")))}");
            }

            await Task.Delay(20);
        }
    }

    private async Task ServeAsync(HttpListener listener)
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var concurrent = Interlocked.Increment(ref _concurrent);
        int max;
        while (concurrent > (max = Volatile.Read(ref _maxConcurrent)) && Interlocked.CompareExchange(ref _maxConcurrent, concurrent, max) != max)
        {
        }

        try
        {
            var arrived = Stopwatch.GetTimestamp();
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var headers = context.Request.Headers.AllKeys
                .Where(k => k is not null)
                .ToDictionary(k => k!.ToLowerInvariant(), k => context.Request.Headers[k]!, StringComparer.Ordinal);
            var request = new ReceivedRequest(context.Request.Url!.AbsolutePath, headers, body.ToArray(), arrived);
            _requests.Enqueue(request);
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay);
            }

            context.Response.StatusCode = Respond(request);
            context.Response.Close(Encoding.UTF8.GetBytes("answer " + context.Response.StatusCode), willBlock: false);
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException)
        {
            // The listener went down while answering.
        }
        finally
        {
            Interlocked.Decrement(ref _concurrent);
        }
    }
}

/// <summary>
/// Checks a delivery's signatures with this test's own HMAC code, written from the Standard
/// Webhooks spec and DESIGN.md, not with the gateway's signer.
/// </summary>
public static class ReceiverSignatures
{
    /// <summary>Asserts both signature headers are right for the secret.</summary>
    public static void AssertSigned(ReceivedRequest request, string secret)
    {
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        var key = Convert.FromBase64String(secret["whsec_".Length..]);

        var id = request.Headers["webhook-id"];
        var timestamp = request.Headers["webhook-timestamp"];
        Assert.True(long.TryParse(timestamp, out var seconds), "webhook-timestamp is unix seconds");
        Assert.InRange(seconds, DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds());

        using (var hmac = new HMACSHA256(key))
        {
            var signed = Encoding.UTF8.GetBytes(id + "." + timestamp + ".").Concat(request.Body).ToArray();
            var expected = "v1," + Convert.ToBase64String(hmac.ComputeHash(signed));
            Assert.Contains(expected, request.Headers["webhook-signature"].Split(' '));
        }

        using (var hmac = new HMACSHA256(key))
        {
            var expected = "sha256=" + string.Concat(hmac.ComputeHash(request.Body).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
            Assert.Equal(expected, request.Headers["x-waorleans-signature"]);
        }
    }
}

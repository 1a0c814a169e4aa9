using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace WaOrleans.E2E.Support;

/// <summary>A plain HTTP listener on loopback that records every webhook POST and answers 200.</summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    /// <summary>Starts listening on a free loopback port.</summary>
    public WebhookReceiver()
    {
        var port = GatewayProcess.FreePort();
        Url = new Uri($"http://127.0.0.1:{port}/hooks/e2e");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Gets the URL to register as a webhook.</summary>
    public Uri Url { get; }

    /// <summary>Gets the requests received, in order.</summary>
    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    /// <summary>Stops listening.</summary>
    public void Dispose()
    {
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
            {
                var body = await reader.ReadToEndAsync();
                Received.Enqueue(new ReceivedWebhook(
                    context.Request.HttpMethod,
                    context.Request.Headers["X-WaOrleans-Event"],
                    context.Request.Headers["webhook-id"],
                    body));
            }

            var answer = "ok from the e2e receiver"u8.ToArray();
            context.Response.StatusCode = 200;
            context.Response.ContentType = "text/plain";
            await context.Response.OutputStream.WriteAsync(answer);
            context.Response.Close();
        }
    }
}

/// <summary>One request the receiver got.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Event">The <c>X-WaOrleans-Event</c> header.</param>
/// <param name="DeliveryId">The <c>webhook-id</c> header.</param>
/// <param name="Body">The raw body.</param>
public sealed record ReceivedWebhook(string Method, string? Event, string? DeliveryId, string Body);

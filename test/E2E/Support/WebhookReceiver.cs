using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace WaOrleans.E2E.Support;

/// <summary>
/// A plain HTTP listener on loopback that records every request and answers 200: webhook POSTs get
/// a short text, and a GET under <c>/media/</c> gets <see cref="MediaBytes"/> (a file to send by URL).
/// </summary>
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

    /// <summary>Gets the bytes a GET under <c>/media/</c> answers, as <c>text/plain</c>.</summary>
    public static byte[] MediaBytes { get; } = "A small document the E2E test serves for a send by URL.\n"u8.ToArray();

    /// <summary>Gets the URL of a file to send by URL.</summary>
    public Uri MediaUrl(string fileName) => new(Url, "/media/" + fileName);

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
                    body,
                    context.Request.Url?.AbsolutePath));
            }

            var media = context.Request.HttpMethod == "GET" && context.Request.Url?.AbsolutePath.StartsWith("/media/", StringComparison.Ordinal) == true;
            var answer = media ? MediaBytes : "ok from the e2e receiver"u8.ToArray();
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
/// <param name="Path">The request's path.</param>
public sealed record ReceivedWebhook(string Method, string? Event, string? DeliveryId, string Body, string? Path = null);

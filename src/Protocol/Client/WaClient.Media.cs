using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Media;
using WaOrleans.Protocol.Noise;
using WaOrleans.Protocol.Proto;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// Media (PROTOCOL.md §8): <c>media_conn</c> for hosts and upload token, encrypted upload over
/// HTTPS as WhatsApp Web does, and verified download. Media keys and contents are never logged.
/// </summary>
public sealed partial class WaClient
{
    /// <summary>How long a <c>media_conn</c> answer is reused when the server names no TTL.</summary>
    private static readonly TimeSpan DefaultMediaConnTtl = TimeSpan.FromMinutes(5);

    /// <summary>Buffer of the temporary files media passes through: one crypto chunk.</summary>
    private const int TempBufferSize = 1 << 16;

    private readonly Lock _mediaLock = new();
    private HttpClient? _mediaHttp;
    private volatile MediaConn? _mediaConn;

    /// <summary>
    /// Encrypts <paramref name="content"/> for <paramref name="type"/> into a temporary file and
    /// uploads it to the media host; pass the result to <c>MessageBuilder.Image</c> and the others.
    /// Memory stays bounded whatever the size.
    /// </summary>
    /// <exception cref="MediaException">Every media host refused the upload.</exception>
    /// <exception cref="IqException">The server refused <c>media_conn</c>.</exception>
    public async Task<UploadedMedia> UploadMediaAsync(Stream content, MediaType type, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var path = TempPath();
        try
        {
            EncryptedMedia encrypted;
            var blob = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, TempBufferSize, FileOptions.Asynchronous);
            await using (blob.ConfigureAwait(false))
            {
                encrypted = await MediaCrypto.EncryptAsync(content, blob, type, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            var token = Base64Url(encrypted.FileEncSha256.Span);
            var timestamp = _time.GetUtcNow();
            for (var attempt = 0; attempt < 2; attempt++)
            {
                var conn = await GetMediaConnAsync(refresh: attempt > 0, cancellationToken).ConfigureAwait(false);
                foreach (var host in conn.Hosts)
                {
                    var uri = new Uri($"https://{host}{type.UploadPath()}/{token}?auth={Uri.EscapeDataString(conn.Auth)}&token={token}");
                    if (await TryUploadAsync(uri, path, cancellationToken).ConfigureAwait(false) is { } uploaded)
                    {
                        return new UploadedMedia(encrypted, uploaded.Url, uploaded.DirectPath, timestamp);
                    }
                }
            }

            throw new MediaException(MediaErrorKind.Transfer, "every media host refused the upload");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Uploads <paramref name="content"/>, builds the message with <paramref name="build"/>, and sends it.</summary>
    public async Task<SendResult> SendMediaAsync(Jid to, Stream content, MediaType type, Func<UploadedMedia, Message> build,
        SendOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(build);
        var uploaded = await UploadMediaAsync(content, type, cancellationToken).ConfigureAwait(false);
        return await SendMessageAsync(to, build(uploaded), options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Downloads and verifies the media of a message (looking inside its wrappers).</summary>
    /// <exception cref="MediaException">The message has no media, or the blob failed a check or could not be fetched.</exception>
    public Task<Stream> DownloadMediaAsync(Message message, CancellationToken cancellationToken = default) =>
        DownloadMediaAsync(MediaReference.From(message) ?? throw new MediaException(MediaErrorKind.NotMedia, "the message carries no media"), cancellationToken);

    /// <summary>
    /// Downloads a blob from the media hosts (by its direct path; by its URL only when it has none),
    /// verifies its hash and MAC, decrypts it and verifies the plaintext hash. The returned stream
    /// is positioned at the start of the verified plaintext and owns a temporary file deleted when
    /// it is disposed; unverified bytes are never handed out.
    /// </summary>
    /// <exception cref="MediaException">The blob failed a check or could not be fetched.</exception>
    public async Task<Stream> DownloadMediaAsync(MediaReference media, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(media);
        if (media.MediaKey.Length != MediaKeys.MediaKeySize || (media.DirectPath is null && media.Url is null))
        {
            throw new MediaException(MediaErrorKind.NotMedia, "the media has no key or no location");
        }

        // A sender picks the URL, so it is followed only over https and only when there is no direct path for our own hosts.
        List<Uri> uris = media.DirectPath is { } path
            ? [.. (await GetMediaConnAsync(refresh: false, cancellationToken).ConfigureAwait(false)).Hosts.Select(h => new Uri($"https://{h}{path}"))]
            : Uri.TryCreate(media.Url, UriKind.Absolute, out var url) && url.Scheme == Uri.UriSchemeHttps
                ? [url]
                : throw new MediaException(MediaErrorKind.NotMedia, "the media has no direct path and no https URL");
        MediaException? failure = null;
        foreach (var uri in uris)
        {
            var plaintext = TempFile();
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_options.MediaTimeout);
                using var response = await MediaHttp().GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw new MediaException(MediaErrorKind.Transfer, $"the media host answered {(int)response.StatusCode}");
                }

                var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
                await using (body.ConfigureAwait(false))
                {
                    await MediaCrypto.DecryptAsync(body, plaintext, media.Type, media.MediaKey, media.FileEncSha256, media.FileSha256, timeout.Token)
                        .ConfigureAwait(false);
                }

                plaintext.Position = 0;
                return plaintext;
            }
            catch (Exception ex) when (ex is MediaException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                await plaintext.DisposeAsync().ConfigureAwait(false);
                failure = ex as MediaException ?? new MediaException(MediaErrorKind.Transfer, "the media host could not be reached", ex);
                if (failure.Kind != MediaErrorKind.Transfer)
                {
                    throw failure;
                }
            }
            catch
            {
                await plaintext.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        throw failure ?? new MediaException(MediaErrorKind.Transfer, "no media host to download from");
    }

    private async Task<(string Url, string DirectPath)?> TryUploadAsync(Uri uri, string blobPath, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.MediaTimeout);
        using var body = new StreamContent(new FileStream(blobPath, FileMode.Open, FileAccess.Read, FileShare.Read, TempBufferSize, FileOptions.Asynchronous));
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = body };
        request.Headers.TryAddWithoutValidation("Origin", _options.Origin);
        try
        {
            using var response = await MediaHttp().SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false),
                cancellationToken: timeout.Token).ConfigureAwait(false);
            var root = json.RootElement;
            var url = root.TryGetProperty("url", out var u) ? u.GetString() : null;
            var directPath = root.TryGetProperty("direct_path", out var d) ? d.GetString() : null;
            return url is null || directPath is null ? null : (url, directPath);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Returns the cached <c>media_conn</c> answer while its TTL lasts, else asks the server.</summary>
    private async Task<MediaConn> GetMediaConnAsync(bool refresh, CancellationToken cancellationToken)
    {
        if (!refresh && _mediaConn is { } cached && cached.Expires > _time.GetUtcNow())
        {
            return cached;
        }

        var connection = _connection ?? throw new TransportException(TransportErrorKind.Closed, "the client is not connected");
        var reply = await SendIqAsync(connection, new IqRequest("w:m", "set", null, [new Node("media_conn")]), cancellationToken).ConfigureAwait(false);
        var node = reply.GetChild("media_conn") ?? throw new MediaException(MediaErrorKind.Transfer, "media_conn answer without media_conn");
        var hosts = node.GetChildren("host").Select(h => h.GetAttr("hostname")).OfType<string>().ToList();
        var auth = node.GetAttr("auth");
        if (hosts.Count == 0 || string.IsNullOrEmpty(auth))
        {
            throw new MediaException(MediaErrorKind.Transfer, "media_conn named no host or no auth token");
        }

        var ttl = int.TryParse(node.GetAttr("ttl"), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : DefaultMediaConnTtl;
        var fresh = new MediaConn(hosts, auth, _time.GetUtcNow() + ttl);
        _mediaConn = fresh;
        return fresh;
    }

    private HttpClient MediaHttp()
    {
        lock (_mediaLock)
        {
            if (_mediaHttp is null)
            {
                // The client owns a default handler; a configured one belongs to the caller.
                _mediaHttp = _options.MediaHttpHandler is { } handler
                    ? new HttpClient(handler, disposeHandler: false)
                    : new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = _options.MediaCertificateValidation } });
                _mediaHttp.Timeout = Timeout.InfiniteTimeSpan;
            }

            return _mediaHttp;
        }
    }

    private void DisposeMedia()
    {
        lock (_mediaLock)
        {
            _mediaHttp?.Dispose();
            _mediaHttp = null;
        }
    }

    private static string TempPath() => Path.Combine(Path.GetTempPath(), "waorleans-media-" + Guid.NewGuid().ToString("N"));

    private static FileStream TempFile() =>
        new(TempPath(), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, TempBufferSize, FileOptions.DeleteOnClose | FileOptions.Asynchronous);

    private static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A <c>media_conn</c> answer: the hosts to use, the upload token, and when to ask again.</summary>
    private sealed record MediaConn(IReadOnlyList<string> Hosts, string Auth, DateTimeOffset Expires)
    {
        public override string ToString() => $"MediaConn({Hosts.Count} hosts, until {Expires:O})";
    }
}

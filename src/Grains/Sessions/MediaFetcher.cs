using System.Net.Http.Headers;
using WaOrleans.Grains.Messages;

namespace WaOrleans.Grains.Sessions;

/// <summary>The bytes of a media message, with the MIME type and file name it is sent with.</summary>
/// <param name="Data">The bytes.</param>
/// <param name="MimeType">The MIME type (given, from the download, or guessed from the name).</param>
/// <param name="FileName">The file name, when known.</param>
internal sealed record FetchedMedia(byte[] Data, string MimeType, string? FileName);

/// <summary>
/// Gets the bytes of a media message: given in the request, or downloaded from its URL with a
/// timeout and a size cap. Every failure is a <see cref="GatewayException"/> naming the field.
/// </summary>
internal static class MediaFetcher
{
    /// <summary>Downloads to public addresses only, checked at every connection (redirects included).</summary>
    private static readonly HttpClient PublicOnly = CreateClient(allowPrivate: false);

    /// <summary>Downloads anywhere, for operators that allow private media URLs.</summary>
    private static readonly HttpClient Anywhere = CreateClient(allowPrivate: true);

    /// <summary>Gets the media of <paramref name="kind"/> from <paramref name="source"/>.</summary>
    /// <remarks>
    /// A URL whose host is, or resolves to, a private, loopback or link-local address is refused
    /// (<c>media_url_not_allowed</c>) unless <paramref name="allowPrivate"/>
    /// (<see cref="MediaOptions.AllowPrivateUrls"/>).
    /// </remarks>
    public static async Task<FetchedMedia> FetchAsync(MediaSource source, MessageKind kind, bool allowPrivate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        byte[] data;
        string? contentType = null;
        var fileName = source.FileName;
        if (source.Data is { } bytes)
        {
            data = bytes;
        }
        else if (source.Url is { } url)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw Invalid("invalid_media_url", "content.media.url", $"'{url}' is not an absolute http(s) URL");
            }

            await PrivateTargetGuard.CheckAsync(uri, allowPrivate, "media_url", "content.media.url", "media URLs", cancellationToken).ConfigureAwait(false);
            (data, contentType) = await DownloadAsync(allowPrivate ? Anywhere : PublicOnly, uri, cancellationToken).ConfigureAwait(false);
            fileName ??= Path.GetFileName(uri.AbsolutePath) is { Length: > 0 } name ? Uri.UnescapeDataString(name) : null;
        }
        else
        {
            throw Invalid("media_required", "content.media", "media needs either url or data");
        }

        if (data.Length == 0)
        {
            throw Invalid("empty_media", "content.media", "the media is empty");
        }

        if (data.Length > SessionConstants.MaxMediaBytes)
        {
            throw Invalid("media_too_large", "content.media", $"the media is larger than {SessionConstants.MaxMediaBytes} bytes");
        }

        var mime = source.MimeType ?? contentType ?? GuessMimeType(fileName, kind) ?? DefaultMimeType(kind);
        return new FetchedMedia(data, mime, fileName);
    }

    /// <summary>The MIME type a file name's extension implies, or null.</summary>
    public static string? GuessMimeType(string? fileName, MessageKind kind)
    {
        var extension = Path.GetExtension(fileName ?? "").TrimStart('.').ToUpperInvariant();
        return extension switch
        {
            "JPG" or "JPEG" => "image/jpeg",
            "PNG" => "image/png",
            "GIF" => "image/gif",
            "WEBP" => "image/webp",
            "MP4" => "video/mp4",
            "3GP" => "video/3gpp",
            "MOV" => "video/quicktime",
            "MP3" => "audio/mpeg",
            "OGG" or "OPUS" => kind == MessageKind.Voice ? "audio/ogg; codecs=opus" : "audio/ogg",
            "M4A" => "audio/mp4",
            "AAC" => "audio/aac",
            "WAV" => "audio/wav",
            "PDF" => "application/pdf",
            "TXT" => "text/plain",
            "CSV" => "text/csv",
            "JSON" => "application/json",
            "ZIP" => "application/zip",
            "DOC" => "application/msword",
            "DOCX" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "XLS" => "application/vnd.ms-excel",
            "XLSX" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "PPTX" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            _ => null,
        };
    }

    /// <summary>What WhatsApp clients expect of each kind when nothing says otherwise.</summary>
    public static string DefaultMimeType(MessageKind kind) => kind switch
    {
        MessageKind.Image => "image/jpeg",
        MessageKind.Video => "video/mp4",
        MessageKind.Audio => "audio/mpeg",
        MessageKind.Voice => "audio/ogg; codecs=opus",
        MessageKind.Sticker => "image/webp",
        _ => "application/octet-stream",
    };

    private static HttpClient CreateClient(bool allowPrivate) =>
        new(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AllowAutoRedirect = true,
            ConnectCallback = (context, cancellationToken) => PrivateTargetGuard.ConnectAsync(context, allowPrivate, cancellationToken),
        })
        {
            Timeout = SessionConstants.MediaDownloadTimeout,
        };

    private static async Task<(byte[] Data, string? ContentType)> DownloadAsync(HttpClient http, Uri uri, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw Unprocessable($"downloading the media from {uri.Host} answered {(int)response.StatusCode}");
            }

            if (response.Content.Headers.ContentLength > SessionConstants.MaxMediaBytes)
            {
                throw Invalid("media_too_large", "content.media.url", $"the media is larger than {SessionConstants.MaxMediaBytes} bytes");
            }

            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var buffer = new MemoryStream();
                var chunk = new byte[SessionConstants.MediaReadChunk];
                int read;
                while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    if (buffer.Length + read > SessionConstants.MaxMediaBytes)
                    {
                        throw Invalid("media_too_large", "content.media.url", $"the media is larger than {SessionConstants.MaxMediaBytes} bytes");
                    }

                    buffer.Write(chunk, 0, read);
                }

                return (buffer.ToArray(), MediaTypeOf(response.Content.Headers.ContentType));
            }
        }
        catch (HttpRequestException e)
        {
            throw Unprocessable($"downloading the media from {uri.Host} failed: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unprocessable($"downloading the media from {uri.Host} took longer than {SessionConstants.MediaDownloadTimeout.TotalSeconds:0} s");
        }
    }

    private static string? MediaTypeOf(MediaTypeHeaderValue? header) =>
        header?.MediaType is { } type && type != "application/octet-stream" ? type : null;

    private static GatewayException Invalid(string code, string field, string message) => new(GatewayErrorKind.Invalid, code, message, field);

    private static GatewayException Unprocessable(string message) =>
        new(GatewayErrorKind.Unprocessable, "media_download_failed", message, "content.media.url");
}

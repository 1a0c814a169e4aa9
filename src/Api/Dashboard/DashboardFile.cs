using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace WaOrleans.Api.Dashboard;

/// <summary>One embedded dashboard file, read once, served with an ETag and the page's security headers.</summary>
internal sealed class DashboardFile
{
    private readonly byte[] _content;
    private readonly string _contentType;
    private readonly string _etag;

    private DashboardFile(byte[] content, string contentType)
    {
        _content = content;
        _contentType = contentType;
        _etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, DashboardConstants.EtagBytes)) + "\"";
    }

    /// <summary>Reads the embedded resource <c>Dashboard/wwwroot/{name}</c>.</summary>
    public static DashboardFile Load(string name, string contentType)
    {
        var resource = DashboardConstants.ResourcePrefix + name;
        using var stream = typeof(DashboardFile).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the dashboard resource {resource} is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return new DashboardFile(copy.ToArray(), contentType);
    }

    /// <summary>Answers the request: 304 when the browser has this version, the file otherwise.</summary>
    public IResult Serve(HttpContext context, string contentSecurityPolicy)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = contentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        // Revalidate every time: an upgraded gateway must not run yesterday's script against today's API.
        headers.CacheControl = "no-cache";
        headers.ETag = _etag;
        return context.Request.Headers.IfNoneMatch == _etag
            ? Results.StatusCode(StatusCodes.Status304NotModified)
            : Results.Bytes(_content, _contentType);
    }
}

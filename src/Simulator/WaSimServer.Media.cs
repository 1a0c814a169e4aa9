using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using WaOrleans.Protocol.Binary;

namespace WaOrleans.Simulator;

/// <summary>Media (PROTOCOL.md §8): <c>media_conn</c>, and the upload and download endpoints of the media host.</summary>
public sealed partial class WaSimServer
{
    /// <summary>How long clients may reuse a <c>media_conn</c> answer, in seconds; WhatsApp's is of this order.</summary>
    private const int MediaConnTtlSeconds = 3600;

    /// <summary>The largest blob the media host accepts; far above any test file.</summary>
    private const long MaxMediaBytes = 64L << 20;

    /// <summary>The upload token <c>media_conn</c> hands out; the simulator accepts any.</summary>
    private const string MediaAuth = "wasim-media-auth";

    /// <summary>Answers <c>&lt;media_conn/&gt;</c> with the media host.</summary>
    internal Node AnswerMediaConn(Node iq) =>
        Stanza.Result(iq, Stanza.Make("media_conn", NodeContent.FromChildren(
                Stanza.Make("host", default, ("hostname", MediaUri.Authority), ("maxContentLengthBytes", Stanza.Number(MaxMediaBytes)))),
            ("auth", MediaAuth), ("ttl", Stanza.Number(MediaConnTtlSeconds))));

    private void MapMedia(IEndpointRouteBuilder app)
    {
        app.MapPost("/mms/{type}/{token}", async (HttpContext context, string type, string token) =>
        {
            if (context.Request.ContentLength > MaxMediaBytes)
            {
                return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
            }

            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted).ConfigureAwait(false);
            var path = Media.Store($"/mms/{type}/{token}", body.ToArray());
            return Results.Json(new { url = new Uri(MediaUri, path.TrimStart('/')).ToString(), direct_path = path });
        });
        app.MapGet("/mms/{type}/{token}", (string type, string token) =>
            Media.Find($"/mms/{type}/{token}") is { } blob ? Results.Bytes(blob, "application/octet-stream") : Results.NotFound());
    }
}

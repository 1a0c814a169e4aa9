using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace WaOrleans.Api.Errors;

/// <summary>The largest body a route accepts, as endpoint metadata.</summary>
/// <param name="Bytes">The limit in bytes.</param>
public sealed record BodyLimit(long Bytes);

/// <summary>Applies each route's <see cref="BodyLimit"/> (or <see cref="ApiConstants.DefaultBodyLimit"/>): a larger body is a 413.</summary>
public static class BodyLimits
{
    /// <summary>Sets the route's limit on the request before its body is read; refuses a declared length over it at once.</summary>
    public static IApplicationBuilder UseBodyLimits(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<BodyLimit>()?.Bytes ?? ApiConstants.DefaultBodyLimit;
        if (context.Request.ContentLength > limit)
        {
            throw new ApiException(413, "body_too_large", $"the request body is larger than this route accepts ({limit} bytes)");
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }

        await next(context);
    });

    /// <summary>Gives the endpoints the media body limit.</summary>
    public static TBuilder WithMediaBodyLimit<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new BodyLimit(ApiConstants.MediaBodyLimit));
}

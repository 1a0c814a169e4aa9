using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WaOrleans.Grains;

namespace WaOrleans.Api.Errors;

/// <summary>
/// Turns every failure into <see cref="ErrorResponse"/>: the API's own refusals, the grains'
/// <see cref="GatewayException"/>s by kind, JSON and binding failures (400 naming the field), bodies
/// over the limit (413), unknown routes (404). Anything else is a bug: a 500 that is logged.
/// </summary>
public static class ErrorHandling
{
    /// <summary>Adds the middleware that catches failures and the writer of bodiless error statuses.</summary>
    public static IApplicationBuilder UseApiErrors(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away; there is nobody to answer.
            }
            catch (Exception e)
            {
                var error = Describe(e);
                var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ErrorHandling));
                if (error.Status >= 500)
                {
                    logger.RequestFailed(e, context.Request.Method, context.Request.Path, error.Status);
                }

                if (context.Response.HasStarted)
                {
                    logger.ResponseAlreadyStarted(context.Request.Method, context.Request.Path, error.Code);
                    return;
                }

                context.Response.Clear();
                if (e is GatewayException { RetryAfter: { } retryAfter })
                {
                    context.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                }

                await WriteAsync(context, error);
            }
        });
        app.UseStatusCodePages(async statusContext =>
        {
            var context = statusContext.HttpContext;
            var status = context.Response.StatusCode;
            var hasBody = context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0;
            var error = status switch
            {
                // A JSON route refuses a body-less request as 415 before binding: say what is missing.
                415 when !hasBody => new ApiError { Status = 400, Code = "missing_body", Message = "a JSON body is required" },
                404 => new ApiError { Status = 404, Code = "not_found", Message = $"no route {context.Request.Method} {context.Request.Path}" },
                // Kestrel answers a body over the route's limit itself, before any handler runs.
                413 => new ApiError { Status = 413, Code = "body_too_large", Message = "the request body is larger than this route accepts" },
                405 => new ApiError { Status = 405, Code = "method_not_allowed", Message = $"{context.Request.Method} is not allowed on {context.Request.Path}" },
                415 => new ApiError { Status = 415, Code = "unsupported_media_type", Message = "send the body as application/json" },
                _ => new ApiError { Status = status, Code = "http_" + status.ToString(CultureInfo.InvariantCulture), Message = "the request failed" },
            };
            await WriteAsync(context, error);
        });
        return app;
    }

    /// <summary>Writes an error with its status.</summary>
    public static Task WriteAsync(HttpContext context, ApiError error)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(error);
        var options = context.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        context.Response.StatusCode = error.Status;
        return context.Response.WriteAsJsonAsync(new ErrorResponse(error), options, "application/json; charset=utf-8", context.RequestAborted);
    }

    /// <summary>Maps an exception to the error a client sees.</summary>
    public static ApiError Describe(Exception exception) => exception switch
    {
        ApiException e => new ApiError { Status = e.Status, Code = e.Code, Message = e.Message, Field = e.Field },
        GatewayException e => new ApiError
        {
            Status = StatusOf(e.Kind),
            Code = e.Code,
            Message = e.Message,
            Field = e.Field,
            Limit = e.Limit,
            Used = e.Used,
        },
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            new ApiError { Status = 413, Code = "body_too_large", Message = "the request body is larger than this route accepts" },
        BadHttpRequestException { InnerException: JsonException json } => JsonError(json),
        BadHttpRequestException e when e.Message.Contains("no body was provided", StringComparison.Ordinal)
            || e.Message.Contains("was not provided", StringComparison.Ordinal) && e.Message.Contains("body", StringComparison.OrdinalIgnoreCase) =>
            new ApiError { Status = 400, Code = "missing_body", Message = "a JSON body is required" },
        BadHttpRequestException e when e.StatusCode == StatusCodes.Status415UnsupportedMediaType =>
            new ApiError { Status = 415, Code = "unsupported_media_type", Message = "send the body as application/json" },
        BadHttpRequestException e => new ApiError { Status = e.StatusCode is >= 400 and < 500 ? e.StatusCode : 400, Code = "bad_request", Message = Sanitize(e.Message) },
        JsonException e => JsonError(e),
        TimeoutException => new ApiError { Status = 503, Code = "unavailable", Message = "the gateway did not answer in time; retry" },
        Orleans.Runtime.SiloUnavailableException or Orleans.Runtime.OrleansException =>
            new ApiError { Status = 503, Code = "unavailable", Message = "the cluster is not available; retry" },
        ArgumentException e => new ApiError { Status = 400, Code = "invalid_argument", Message = e.Message },
        _ => new ApiError { Status = 500, Code = "internal_error", Message = "the gateway failed; this is a bug, and it is logged" },
    };

    /// <summary>Gets the HTTP status of a <see cref="GatewayErrorKind"/>.</summary>
    public static int StatusOf(GatewayErrorKind kind) => kind switch
    {
        GatewayErrorKind.Invalid => 400,
        GatewayErrorKind.NotFound => 404,
        GatewayErrorKind.Conflict => 409,
        GatewayErrorKind.Unprocessable => 422,
        GatewayErrorKind.LimitExceeded => 429,
        _ => 503,
    };

    private static ApiError JsonError(JsonException json)
    {
        var field = FieldOf(json.Path);
        return new ApiError
        {
            Status = 400,
            Code = "invalid_json",
            Message = field is null
                ? "the body is not valid JSON"
                : $"'{field}' has the wrong type or the JSON around it is malformed",
            Field = field,
        };
    }

    /// <summary>Turns a JSON path (<c>$.media.url</c>, <c>$.recipients[2]</c>) into a field name (<c>media.url</c>).</summary>
    private static string? FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return null;
        }

        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return field.Length == 0 ? null : field;
    }

    // Binding messages name .NET parameter types; keep the gist only.
    private static string Sanitize(string message) =>
        message.Length > 200 ? message[..200] : message;
}

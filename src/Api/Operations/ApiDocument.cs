using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace WaOrleans.Api.Operations;

/// <summary>The OpenAPI document's extras: the API-key security schemes and request examples.</summary>
public static class ApiDocument
{
    private const string BearerScheme = "bearer";
    private const string HeaderScheme = "apiKey";

    /// <summary>Adds the security schemes and examples to the document.</summary>
    public static void Configure(OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "WaOrleans API",
                Version = "v1",
                Description = "A self-hosted WhatsApp HTTP API gateway. Send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'. Errors are {\"error\": {\"status\", \"code\", \"message\", \"field\"}}.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An API key (wao_…) as a bearer token",
            };
            document.Components.SecuritySchemes[HeaderScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiConstants.ApiKeyHeader,
                Description = "An API key (wao_…) in a header",
            };
            document.Security =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(HeaderScheme, document)] = [] },
            ];
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            if (operation.OperationId is { } id && ApiExamples.Requests.TryGetValue(id, out var example)
                && operation.RequestBody?.Content is { } content && content.TryGetValue("application/json", out var media))
            {
                media.Example = System.Text.Json.Nodes.JsonNode.Parse(example);
            }

            return Task.CompletedTask;
        });
    }
}

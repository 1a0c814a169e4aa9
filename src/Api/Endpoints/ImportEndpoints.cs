using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using WaOrleans.Api.Auth;
using WaOrleans.Api.Contracts;
using WaOrleans.Api.Errors;

namespace WaOrleans.Api.Endpoints;

/// <summary><c>/api/sessions/{id}/import/*</c>: bringing a device linked elsewhere into a session without a new scan.</summary>
public static class ImportEndpoints
{
    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapImportEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost("/sessions/{id}/import/baileys", ImportBaileysAsync).WithTags("Sessions").WithName("ImportBaileysAuth")
            .WithSummary("Imports a Baileys auth folder ({\"files\":{\"creds.json\":{…},\"pre-key-1.json\":{…},…}}) into an unpaired session; then connect logs in without a QR")
            .WithMetadata(new BodyLimit(ApiConstants.ImportBodyLimit));
        return api;
    }

    private static async Task<Ok<SessionResponse>> ImportBaileysAsync(string id, ImportBaileysBody body, Caller caller, IGrainFactory grains)
    {
        var (grain, _) = await SessionAccess.RequireAsync(grains, caller, id, lifecycle: true);
        if (body?.Files is not { Count: > 0 } files)
        {
            throw ApiException.Invalid("invalid_files", "'files' must map the auth folder's file names to their JSON content", "files");
        }

        // Each file goes on as the JSON text it came as; the session grain checks names and content.
        var texts = files.ToDictionary(f => f.Key, f => f.Value.GetRawText(), StringComparer.Ordinal);
        return TypedResults.Ok(SessionResponse.From(await grain.ImportBaileysAuthAsync(texts)));
    }
}

/// <summary>Body of <c>POST /api/sessions/{id}/import/baileys</c>.</summary>
/// <param name="Files">The auth folder's files: name (<c>creds.json</c>, <c>pre-key-1.json</c>, …) → its JSON content.</param>
public sealed record ImportBaileysBody(Dictionary<string, JsonElement>? Files);

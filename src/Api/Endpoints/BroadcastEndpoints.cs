using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using WaOrleans.Api.Auth;
using WaOrleans.Api.Contracts;
using WaOrleans.Api.Errors;
using WaOrleans.Api.Validation;
using WaOrleans.Grains.Broadcasts;

namespace WaOrleans.Api.Endpoints;

/// <summary>Broadcast jobs: <c>POST /api/sessions/{id}/broadcasts</c>, <c>GET /api/broadcasts/{jobId}</c>, <c>POST /api/broadcasts/{jobId}/cancel</c>.</summary>
public static class BroadcastEndpoints
{
    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapBroadcastEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost("/sessions/{id}/broadcasts", StartAsync).WithTags("Broadcasts").WithName("StartBroadcast").WithMediaBodyLimit()
            .WithSummary("Starts a broadcast: recipients as numbers or {phone, name}, {{name}} templating, delayMin/delayMax in ms");
        var broadcasts = api.MapGroup("/broadcasts").WithTags("Broadcasts");
        broadcasts.MapGet("/{jobId}", GetAsync).WithName("GetBroadcast").WithSummary("Gets a broadcast's progress and per-recipient results");
        broadcasts.MapPost("/{jobId}/cancel", CancelAsync).WithName("CancelBroadcast").WithSummary("Stops a broadcast before its next recipient");
        return api;
    }

    private static async Task<Accepted<BroadcastAccepted>> StartAsync(string id, BroadcastBody body, Caller caller, IGrainFactory grains)
    {
        var recipients = Recipients(body.Recipients);
        var content = MessageContents.ToContent(body.Message ?? throw ApiException.Missing("message"), "message.");
        var delayMin = body.DelayMin ?? 1000;
        var delayMax = body.DelayMax ?? Math.Max(3000, delayMin);
        if (delayMin < 0)
        {
            throw ApiException.Invalid("invalid_delay", "'delayMin' must be 0 or more", "delayMin");
        }

        if (delayMax < delayMin)
        {
            throw ApiException.Invalid("invalid_delay", "'delayMax' must be at least 'delayMin'", "delayMax");
        }

        var (_, status) = await SessionAccess.RequireAsync(grains, caller, id);
        var jobId = ApiConstants.BroadcastIdPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var started = await grains.GetGrain<IBroadcastGrain>(jobId).StartAsync(new BroadcastSpec
        {
            TenantId = status.TenantId,
            SessionId = id,
            Recipients = recipients,
            Content = content,
            DelayMinMs = delayMin,
            DelayMaxMs = delayMax,
        });
        return TypedResults.Accepted($"{ApiConstants.Prefix}/broadcasts/{jobId}", new BroadcastAccepted(jobId, started.Total));
    }

    private static async Task<Ok<BroadcastStatus>> GetAsync(string jobId, Caller caller, IGrainFactory grains)
    {
        var grain = RequireGrain(grains, jobId);
        return TypedResults.Ok(Visible(await grain.GetAsync(), caller, jobId));
    }

    private static async Task<Ok<BroadcastStatus>> CancelAsync(string jobId, Caller caller, IGrainFactory grains)
    {
        var grain = RequireGrain(grains, jobId);
        Visible(await grain.GetAsync(), caller, jobId);
        return TypedResults.Ok(Visible(await grain.CancelAsync(), caller, jobId));
    }

    private static IBroadcastGrain RequireGrain(IGrainFactory grains, string jobId) =>
        jobId.StartsWith(ApiConstants.BroadcastIdPrefix, StringComparison.Ordinal) && jobId.Length <= 64 && jobId.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
            ? grains.GetGrain<IBroadcastGrain>(jobId)
            : throw NotFound(jobId);

    private static BroadcastStatus Visible(BroadcastStatus? status, Caller caller, string jobId) =>
        status is null
        || caller.TenantScope is { } tenant && status.TenantId != tenant
        || caller.IsSessionKey && status.SessionId != caller.Principal.SessionId
            ? throw NotFound(jobId)
            : status;

    private static List<BroadcastRecipient> Recipients(IReadOnlyList<JsonElement>? recipients)
    {
        if (recipients is not { Count: > 0 })
        {
            throw ApiException.Missing("recipients");
        }

        if (recipients.Count > ApiConstants.MaxBroadcastRecipients)
        {
            throw ApiException.Invalid("too_many_recipients", $"a broadcast has at most {ApiConstants.MaxBroadcastRecipients} recipients", "recipients");
        }

        var list = new List<BroadcastRecipient>(recipients.Count);
        for (var i = 0; i < recipients.Count; i++)
        {
            var field = $"recipients[{i}]";
            var element = recipients[i];
            list.Add(element.ValueKind switch
            {
                JsonValueKind.String => new BroadcastRecipient { Phone = Validation.Recipients.Normalize(element.GetString(), field) },
                JsonValueKind.Object => new BroadcastRecipient
                {
                    Phone = Validation.Recipients.Normalize(StringMember(element, "phone", field), field + ".phone"),
                    Name = StringMember(element, "name", field),
                },
                _ => throw ApiException.Invalid("invalid_recipient", $"'{field}' must be a phone number or {{\"phone\", \"name\"}}", field),
            });
        }

        return list;
    }

    private static string? StringMember(JsonElement element, string name, string field) =>
        !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw ApiException.Invalid("invalid_json", $"'{field}.{name}' must be a string", $"{field}.{name}");

    private static ApiException NotFound(string jobId) =>
        ApiException.NotFound("broadcast_not_found", $"broadcast '{(jobId.Length > 64 ? jobId[..64] : jobId)}' does not exist");
}

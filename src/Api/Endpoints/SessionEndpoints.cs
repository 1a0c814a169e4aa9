using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using WaOrleans.Api.Auth;
using WaOrleans.Api.Contracts;
using WaOrleans.Api.Errors;
using WaOrleans.Api.Validation;
using WaOrleans.Grains.Messages;
using WaOrleans.Grains.Sessions;

namespace WaOrleans.Api.Endpoints;

/// <summary><c>/api/sessions</c>: create, list, change and delete sessions; connect, disconnect, log out, restart; QR and profile.</summary>
public static class SessionEndpoints
{
    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapSessionEndpoints(this IEndpointRouteBuilder api)
    {
        var sessions = api.MapGroup("/sessions").WithTags("Sessions");
        sessions.MapGet("/", ListAsync).WithName("ListSessions").WithSummary("Lists the sessions the key can see");
        sessions.MapPost("/", CreateAsync).WithName("CreateSession").WithSummary("Creates a session (409 when the id exists)");
        sessions.MapGet("/{id}", GetAsync).WithName("GetSession").WithSummary("Gets a session's status");
        sessions.MapPatch("/{id}", UpdateAsync).WithName("UpdateSession").WithSummary("Renames a session");
        sessions.MapDelete("/{id}", DeleteAsync).WithName("DeleteSession").WithSummary("Logs out and deletes a session");
        sessions.MapPost("/{id}/connect", ConnectAsync).WithName("ConnectSession")
            .WithSummary("Connects: a paired session logs in; an unpaired one shows QR codes, or gets a pairing code with {\"method\":\"pairing_code\",\"phoneNumber\":\"…\"}");
        sessions.MapPost("/{id}/disconnect", DisconnectAsync).WithName("DisconnectSession").WithSummary("Closes the connection and keeps the link");
        sessions.MapPost("/{id}/logout", LogoutAsync).WithName("LogoutSession").WithSummary("Unlinks the device and wipes its credentials");
        sessions.MapPost("/{id}/restart", RestartAsync).WithName("RestartSession").WithSummary("Reconnects with the same credentials");
        sessions.MapGet("/{id}/qr", QrAsync).WithName("GetSessionQr")
            .WithSummary("Gets the QR code while pairing: JSON {qr, dataUrl}, or ?format=png|svg|text")
            .Produces<QrResponse>(200)
            .Produces(200, contentType: "image/png")
            .Produces(200, contentType: "image/svg+xml")
            .Produces(200, contentType: "text/plain");
        sessions.MapGet("/{id}/me", MeAsync).WithName("GetSessionProfile").WithSummary("Gets who the linked number is");
        sessions.MapGet("/{id}/events", SessionEventStream.StreamAsync).WithName("StreamSessionEvents")
            .WithSummary("Server-sent events: the current status first, then status, qr and message events as they happen")
            .Produces(200, contentType: "text/event-stream");
        return api;
    }

    private static async Task<Ok<ListResponse<SessionResponse>>> ListAsync(Caller caller, IGrainFactory grains)
    {
        IReadOnlyList<SessionStatus> sessions;
        if (caller.IsSessionKey)
        {
            var (_, status) = await SessionAccess.RequireAsync(grains, caller, caller.Principal.SessionId!);
            sessions = [status];
        }
        else
        {
            sessions = await grains.GetGrain<ISessionDirectoryGrain>(0).ListAsync(caller.TenantScope);
        }

        return TypedResults.Ok(new ListResponse<SessionResponse>([.. sessions.Select(SessionResponse.From)]));
    }

    private static async Task<Created<SessionResponse>> CreateAsync(CreateSessionBody body, Caller caller, IGrainFactory grains)
    {
        caller.RequireTenantOrAdmin();
        var id = body.Id ?? ApiConstants.SessionIdPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        if (!SessionAccess.IsValidId(id))
        {
            throw ApiException.Invalid("invalid_session_id", $"'id' must be 1 to {ApiConstants.MaxSessionIdLength} letters, digits, '-', '_' or '.', starting with a letter or digit", "id");
        }

        if (body.Name is { Length: > 200 })
        {
            throw ApiException.Invalid("invalid_name", "'name' is longer than 200 characters", "name");
        }

        var tenant = caller.TenantFor(body.TenantId, "tenantId");
        var grain = grains.GetGrain<ISessionGrain>(id);
        if (await grain.FindAsync() is not null)
        {
            throw new ApiException(409, "session_exists", $"session '{id}' already exists", "id");
        }

        var status = await grain.CreateAsync(new CreateSessionRequest { TenantId = tenant, Name = body.Name });
        return TypedResults.Created($"{ApiConstants.Prefix}/sessions/{id}", SessionResponse.From(status));
    }

    private static async Task<Ok<SessionResponse>> GetAsync(string id, Caller caller, IGrainFactory grains)
    {
        var (_, status) = await SessionAccess.RequireAsync(grains, caller, id);
        return TypedResults.Ok(SessionResponse.From(status));
    }

    private static async Task<Ok<SessionResponse>> UpdateAsync(string id, UpdateSessionBody body, Caller caller, IGrainFactory grains)
    {
        var (grain, _) = await SessionAccess.RequireAsync(grains, caller, id, lifecycle: true);
        if (body.Name is { } name && (name.Length > 200 || string.IsNullOrWhiteSpace(name)))
        {
            throw ApiException.Invalid("invalid_name", "'name' must be 1 to 200 characters, not blank", "name");
        }

        return TypedResults.Ok(SessionResponse.From(await grain.UpdateAsync(new SessionPatch { Name = body.Name })));
    }

    private static async Task<NoContent> DeleteAsync(string id, Caller caller, IGrainFactory grains)
    {
        var (grain, _) = await SessionAccess.RequireAsync(grains, caller, id, lifecycle: true);
        await grain.DeleteAsync();
        return TypedResults.NoContent();
    }

    private static async Task<Ok<SessionResponse>> ConnectAsync(string id, ConnectBody? body, Caller caller, IGrainFactory grains)
    {
        var (grain, _) = await SessionAccess.RequireAsync(grains, caller, id, lifecycle: true);
        var method = body?.Method ?? ConnectMethod.Qr;
        var request = method == ConnectMethod.PairingCode
            ? new ConnectRequest { Method = method, Phone = Recipients.NormalizePhone(body?.PhoneNumber, "phoneNumber") }
            : new ConnectRequest { Method = method };
        return TypedResults.Ok(SessionResponse.From(await grain.ConnectAsync(request)));
    }

    private static async Task<Ok<SessionResponse>> DisconnectAsync(string id, Caller caller, IGrainFactory grains)
    {
        var (grain, _) = await SessionAccess.RequireAsync(grains, caller, id, lifecycle: true);
        return TypedResults.Ok(SessionResponse.From(await grain.DisconnectAsync()));
    }

    private static async Task<Ok<SessionResponse>> LogoutAsync(string id, Caller caller, IGrainFactory grains)
    {
        var (grain, _) = await SessionAccess.RequireAsync(grains, caller, id, lifecycle: true);
        return TypedResults.Ok(SessionResponse.From(await grain.LogoutAsync()));
    }

    private static async Task<Ok<SessionResponse>> RestartAsync(string id, Caller caller, IGrainFactory grains)
    {
        var (grain, _) = await SessionAccess.RequireAsync(grains, caller, id, lifecycle: true);
        return TypedResults.Ok(SessionResponse.From(await grain.RestartAsync()));
    }

    private static async Task<IResult> QrAsync(string id, string? format, Caller caller, IGrainFactory grains)
    {
        var (grain, _) = await SessionAccess.RequireAsync(grains, caller, id);
        var status = await grain.GetStatusAsync();
        if (status.State != SessionState.Qr || status.Qr is not { Length: > 0 } qr)
        {
            throw new ApiException(409, "no_qr", $"session '{id}' is {QrRendering.StateWord(status.State)}, not showing a QR code (connect it with method 'qr' first)");
        }

        return format?.ToLowerInvariant() switch
        {
            null or "json" => TypedResults.Ok(new QrResponse(qr, QrRendering.DataUrl(qr))),
            "png" => TypedResults.File(QrRendering.Png(qr), "image/png"),
            "svg" => TypedResults.Text(QrRendering.Svg(qr), "image/svg+xml"),
            "text" => TypedResults.Text(QrRendering.Text(qr), "text/plain; charset=utf-8"),
            _ => throw ApiException.Invalid("invalid_format", "'format' must be json, png, svg or text", "format"),
        };
    }

    private static async Task<Ok<SessionProfile>> MeAsync(string id, Caller caller, IGrainFactory grains)
    {
        var (grain, _) = await SessionAccess.RequireAsync(grains, caller, id);
        return TypedResults.Ok(await grain.GetProfileAsync());
    }
}

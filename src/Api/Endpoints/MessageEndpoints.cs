using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using WaOrleans.Api.Auth;
using WaOrleans.Api.Contracts;
using WaOrleans.Api.Errors;
using WaOrleans.Api.Validation;
using WaOrleans.Grains.Messages;

namespace WaOrleans.Api.Endpoints;

/// <summary>Sending (every type, idempotent) and the message log: <c>/api/sessions/{id}/messages</c> and <c>/api/send</c>.</summary>
public static class MessageEndpoints
{
    private static readonly string[] Directions = ["in", "out"];

    /// <summary>How the log names a chat WhatsApp addressed by LID (the OpenAPI descriptions of the log routes).</summary>
    private const string ChatDescription =
        "'chat' is the chat JID. A 1:1 chat WhatsApp addressed by LID (…@lid) is shown as the number JID (…@s.whatsapp.net) the session has mapped it to, "
        + "with the LID in 'chatLid'; 'chatLid' is absent when 'chat' is the JID the message was stored under, and a LID with no known number is shown as the LID.";

    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapMessageEndpoints(this IEndpointRouteBuilder api)
    {
        var messages = api.MapGroup("/sessions/{id}/messages").WithTags("Messages");
        messages.MapPost("/", SendAsync).WithName("SendMessage").WithMediaBodyLimit()
            .WithSummary("Sends a message of any type; answers once it is persisted with its id (Idempotency-Key makes a retry return the first result)");
        messages.MapGet("/", QueryAsync).WithName("ListMessages").WithSummary("Pages the message log, newest first (filters: direction, status, chat, since)")
            .WithDescription(ChatDescription + " The chat filter takes a number, a number JID or a LID, and either spelling of a mapped contact finds the whole conversation.");
        messages.MapGet("/{messageId}", GetAsync).WithName("GetMessage").WithSummary("Gets one message").WithDescription(ChatDescription);
        messages.MapGet("/{messageId}/media", MediaAsync).WithName("GetMessageMedia").WithSummary("Downloads a message's media")
            .Produces(200, contentType: "application/octet-stream");
        api.MapPost("/send", SendShortcutAsync).WithTags("Messages").WithName("Send").WithMediaBodyLimit()
            .WithSummary("Sends from the session of a session key: {\"to\", \"message\"} where message is a text or a message object");
        return api;
    }

    private static async Task<IResult> SendAsync(string id, SendMessageBody body, HttpContext context, Caller caller, IGrainFactory grains)
    {
        var request = new SendMessageRequest
        {
            To = Recipients.Normalize(body.To, "to"),
            Content = MessageContents.ToContent(body),
            ReplyTo = body.ReplyTo,
            Mentions = Mentions(body.Mentions),
            IdempotencyKey = IdempotencyKey(context, body.IdempotencyKey),
            TenantScope = caller.TenantScope,
        };
        return Sent(id, await SessionAccess.ScopedGrain(grains, caller, id).SendAsync(request));
    }

    private static async Task<IResult> SendShortcutAsync(SendShortcutBody body, HttpContext context, Caller caller, IGrainFactory grains, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
    {
        var sessionId = caller.IsSessionKey
            ? caller.Principal.SessionId!
            : body.SessionId ?? throw new ApiException(400, "missing_field", "'sessionId' is required with an admin or tenant key (a session key sends from its own session)", "sessionId");
        var request = new SendMessageRequest
        {
            To = Recipients.Normalize(body.To, "to"),
            Content = MessageContents.FromShortcut(body.Message, json.Value.SerializerOptions),
            IdempotencyKey = IdempotencyKey(context, body.IdempotencyKey),
            TenantScope = caller.TenantScope,
        };
        return Sent(sessionId, await SessionAccess.ScopedGrain(grains, caller, sessionId).SendAsync(request));
    }

    private static async Task<Ok<MessagePage>> QueryAsync(
        string id, string? direction, string? status, string? chat, string? since, string? limit, string? cursor, Caller caller, IGrainFactory grains)
    {
        if (direction is not null && !Directions.Contains(direction))
        {
            throw ApiException.Invalid("invalid_direction", "'direction' must be 'in' or 'out'", "direction");
        }

        DateTimeOffset? sinceTime = null;
        if (since is not null)
        {
            sinceTime = DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                ? parsed
                : throw ApiException.Invalid("invalid_since", "'since' must be an ISO 8601 time (2025-01-31T12:00:00Z)", "since");
        }

        var size = ApiConstants.DefaultPageSize;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > ApiConstants.MaxPageSize))
        {
            throw ApiException.Invalid("invalid_limit", $"'limit' must be a whole number from 1 to {ApiConstants.MaxPageSize}", "limit");
        }

        var chatJid = chat is null ? null : Recipients.Normalize(chat, "chat");
        if (chatJid is not null && !chatJid.Contains('@', StringComparison.Ordinal))
        {
            chatJid += "@s.whatsapp.net";
        }

        await SessionAccess.RequireAsync(grains, caller, id);
        var page = await grains.GetGrain<IMessageLogGrain>(0).QueryAsync(id, new MessageQuery
        {
            Direction = direction,
            Status = status,
            Chat = chatJid,
            Since = sinceTime,
            Limit = size,
            Cursor = cursor,
        });
        return TypedResults.Ok(page);
    }

    private static async Task<Ok<MessageRecord>> GetAsync(string id, string messageId, Caller caller, IGrainFactory grains)
    {
        await SessionAccess.RequireAsync(grains, caller, id);
        return TypedResults.Ok(await grains.GetGrain<IMessageLogGrain>(0).GetAsync(id, messageId) ?? throw MessageNotFound(messageId));
    }

    private static async Task<FileContentHttpResult> MediaAsync(string id, string messageId, Caller caller, IGrainFactory grains)
    {
        var (grain, _) = await SessionAccess.RequireAsync(grains, caller, id);
        var media = await grain.DownloadMediaAsync(messageId);
        return TypedResults.File(media.Data, media.MimeType, media.FileName);
    }

    private static IResult Sent(string sessionId, SendMessageResult result) => result.Replayed
        ? TypedResults.Ok(result)
        : TypedResults.Created($"{ApiConstants.Prefix}/sessions/{sessionId}/messages/{result.MessageId}", result);

    private static IReadOnlyList<string>? Mentions(IReadOnlyList<string>? mentions) =>
        mentions?.Select((m, i) => Recipients.Normalize(m, $"mentions[{i}]")).ToList();

    private static string? IdempotencyKey(HttpContext context, string? fromBody)
    {
        var key = context.Request.Headers[ApiConstants.IdempotencyHeader] is { Count: > 0 } header ? header[0] : fromBody;
        return key is { Length: 0 or > ApiConstants.MaxIdempotencyKeyLength }
            ? throw ApiException.Invalid("invalid_idempotency_key", $"the idempotency key must be 1 to {ApiConstants.MaxIdempotencyKeyLength} characters", "idempotencyKey")
            : key;
    }

    private static ApiException MessageNotFound(string messageId) =>
        ApiException.NotFound("message_not_found", $"message '{(messageId.Length > 64 ? messageId[..64] : messageId)}' does not exist in this session");
}

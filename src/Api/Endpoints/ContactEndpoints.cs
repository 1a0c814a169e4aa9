using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using WaOrleans.Api.Auth;
using WaOrleans.Api.Contracts;
using WaOrleans.Api.Errors;
using WaOrleans.Api.Validation;
using WaOrleans.Grains.Messages;

namespace WaOrleans.Api.Endpoints;

/// <summary>Contacts, chats and groups of a session: number checks, the chat list from the log, group metadata.</summary>
public static class ContactEndpoints
{
    private const int DefaultChats = 100;
    private const int MaxChats = 1000;

    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapContactEndpoints(this IEndpointRouteBuilder api)
    {
        var session = api.MapGroup("/sessions/{id}");
        session.MapGet("/contacts/check", CheckOneAsync).WithTags("Contacts").WithName("CheckNumber").WithSummary("Checks whether a number is on WhatsApp");
        session.MapPost("/contacts/check", CheckManyAsync).WithTags("Contacts").WithName("CheckNumbers").WithSummary("Checks a list of numbers");
        session.MapGet("/chats", ChatsAsync).WithTags("Chats").WithName("ListChats").WithSummary("Lists the chats seen in the message log, most recent first");
        session.MapGet("/groups", GroupsAsync).WithTags("Groups").WithName("ListGroups").WithSummary("Lists the groups the number belongs to");
        session.MapGet("/groups/{jid}", GroupAsync).WithTags("Groups").WithName("GetGroup").WithSummary("Gets one group's metadata");
        return api;
    }

    private static async Task<Ok<NumberCheck>> CheckOneAsync(string id, string? phone, Caller caller, IGrainFactory grains)
    {
        var number = Recipients.NormalizePhone(phone, "phone");
        var (grain, _) = await SessionAccess.RequireAsync(grains, caller, id);
        var results = await grain.CheckNumbersAsync([number]);
        return TypedResults.Ok(results.Count > 0 ? results[0] : new NumberCheck { Phone = number });
    }

    private static async Task<Ok<ListResponse<NumberCheck>>> CheckManyAsync(string id, CheckNumbersBody body, Caller caller, IGrainFactory grains)
    {
        if (body.Phones is not { Count: > 0 } phones)
        {
            throw ApiException.Missing("phones");
        }

        if (phones.Count > ApiConstants.MaxCheckedNumbers)
        {
            throw ApiException.Invalid("too_many_phones", $"check at most {ApiConstants.MaxCheckedNumbers} numbers at once", "phones");
        }

        var numbers = phones.Select((p, i) => Recipients.NormalizePhone(p, $"phones[{i}]")).ToList();
        var (grain, _) = await SessionAccess.RequireAsync(grains, caller, id);
        return TypedResults.Ok(new ListResponse<NumberCheck>(await grain.CheckNumbersAsync(numbers)));
    }

    private static async Task<Ok<ListResponse<ChatSummary>>> ChatsAsync(string id, string? limit, Caller caller, IGrainFactory grains)
    {
        var size = DefaultChats;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > MaxChats))
        {
            throw ApiException.Invalid("invalid_limit", $"'limit' must be a whole number from 1 to {MaxChats}", "limit");
        }

        await SessionAccess.RequireAsync(grains, caller, id);
        return TypedResults.Ok(new ListResponse<ChatSummary>(await grains.GetGrain<IMessageLogGrain>(0).GetChatsAsync(id, size)));
    }

    private static async Task<Ok<ListResponse<GroupInfo>>> GroupsAsync(string id, Caller caller, IGrainFactory grains)
    {
        var (grain, _) = await SessionAccess.RequireAsync(grains, caller, id);
        return TypedResults.Ok(new ListResponse<GroupInfo>(await grain.GetGroupsAsync()));
    }

    private static async Task<Ok<GroupInfo>> GroupAsync(string id, string jid, Caller caller, IGrainFactory grains)
    {
        var group = Recipients.Normalize(jid, "jid");
        if (!group.EndsWith("@g.us", StringComparison.Ordinal))
        {
            throw ApiException.Invalid("invalid_group_jid", "'jid' must be a group JID (…@g.us)", "jid");
        }

        var (grain, _) = await SessionAccess.RequireAsync(grains, caller, id);
        return TypedResults.Ok(await grain.GetGroupAsync(group));
    }
}

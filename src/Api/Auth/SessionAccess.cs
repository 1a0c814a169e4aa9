using WaOrleans.Api.Errors;
using WaOrleans.Grains.Hosting;
using WaOrleans.Grains.Messages;
using WaOrleans.Grains.Sessions;

namespace WaOrleans.Api.Auth;

/// <summary>
/// Finds a session the caller may use. Everything the caller may not see is the same 404 as a
/// session that does not exist, so a key never learns another tenant's session ids.
/// </summary>
public static class SessionAccess
{
    /// <summary>Gets the session's status and grain, or throws a 404.</summary>
    /// <param name="grains">The grain factory.</param>
    /// <param name="caller">Who asks.</param>
    /// <param name="sessionId">The session id from the route.</param>
    /// <param name="lifecycle">Whether the route manages the session (connect, delete…), which session keys may not do.</param>
    public static async Task<(ISessionGrain Grain, SessionStatus Status)> RequireAsync(IGrainFactory grains, Caller caller, string sessionId, bool lifecycle = false)
    {
        var grain = ScopedGrain(grains, caller, sessionId);
        if (lifecycle)
        {
            caller.RequireTenantOrAdmin();
        }

        var status = await grain.FindAsync();
        if (status is null || caller.TenantScope is { } tenant && status.TenantId != tenant)
        {
            throw NotFound(sessionId);
        }

        return (grain, status);
    }

    /// <summary>
    /// Gets the session's grain after the checks that need no lookup (a well-formed id, a session
    /// key's own session), or throws a 404. The grain call must then check the tenant itself, with the
    /// same 404 for a session of another tenant as for a missing one (<see cref="SendMessageRequest.TenantScope"/>):
    /// one grain call per request instead of two.
    /// </summary>
    public static ISessionGrain ScopedGrain(IGrainFactory grains, Caller caller, string sessionId)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(caller);
        if (!IsValidId(sessionId) || caller.IsSessionKey && caller.Principal.SessionId != sessionId)
        {
            throw NotFound(sessionId);
        }

        return grains.GetGrainByKey<ISessionGrain>(sessionId);
    }

    /// <summary>Gets whether a session id is well-formed: 1 to 64 letters, digits, <c>-</c>, <c>_</c> or <c>.</c>.</summary>
    public static bool IsValidId(string? sessionId) =>
        !string.IsNullOrEmpty(sessionId)
        && sessionId.Length <= ApiConstants.MaxSessionIdLength
        && char.IsAsciiLetterOrDigit(sessionId[0])
        && sessionId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>Creates the 404 of a session the caller cannot see.</summary>
    public static ApiException NotFound(string sessionId) =>
        ApiException.NotFound("session_not_found", $"session '{Truncate(sessionId)}' does not exist");

    private static string Truncate(string value) => value.Length > ApiConstants.MaxSessionIdLength ? value[..ApiConstants.MaxSessionIdLength] + "…" : value;
}

using WaOrleans.Grains.Sessions;

namespace WaOrleans.Api.Contracts;

/// <summary>Body of <c>POST /api/sessions</c>.</summary>
/// <param name="Id">The session id (letters, digits, <c>-</c>, <c>_</c>, <c>.</c>); generated when left out.</param>
/// <param name="Name">A display name.</param>
/// <param name="TenantId">The owning tenant (admin only; default <c>default</c>).</param>
public sealed record CreateSessionBody(string? Id, string? Name, string? TenantId);

/// <summary>Body of <c>PATCH /api/sessions/{id}</c>.</summary>
/// <param name="Name">The new display name.</param>
public sealed record UpdateSessionBody(string? Name);

/// <summary>Body of <c>POST /api/sessions/{id}/connect</c>.</summary>
/// <param name="Method"><c>qr</c> (default) or <c>pairing_code</c>.</param>
/// <param name="PhoneNumber">The number a pairing code is for (international format).</param>
public sealed record ConnectBody(ConnectMethod? Method, string? PhoneNumber);

/// <summary>A session as the API shows it.</summary>
/// <param name="Id">The session id.</param>
/// <param name="Status">The status word (<c>created</c>, <c>connecting</c>, <c>qr</c>, <c>pairing_code</c>, <c>connected</c>, <c>disconnected</c>, <c>logged_out</c>, <c>failed</c>).</param>
/// <param name="Reason">Why it is failed, logged out or disconnected.</param>
/// <param name="TenantId">The owning tenant.</param>
/// <param name="Name">The display name.</param>
/// <param name="MeJid">The linked number's JID once paired.</param>
/// <param name="MeLid">The linked number's LID once paired.</param>
/// <param name="PairingCode">The code to type on the phone while the status is <c>pairing_code</c>.</param>
/// <param name="HasQr">Whether a QR code is showing (<c>GET …/qr</c>).</param>
/// <param name="CreatedAt">When it was created.</param>
public sealed record SessionResponse(
    string Id,
    SessionState Status,
    string? Reason,
    string TenantId,
    string? Name,
    string? MeJid,
    string? MeLid,
    string? PairingCode,
    bool HasQr,
    DateTimeOffset? CreatedAt)
{
    /// <summary>Creates the answer from a grain status (the QR string itself stays out of it).</summary>
    public static SessionResponse From(SessionStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return new(status.SessionId, status.State, status.Reason, status.TenantId, status.Name, status.MeJid, status.MeLid,
            status.PairingCode, status.State == SessionState.Qr && status.Qr is not null, status.CreatedAt);
    }
}

/// <summary>The QR code of a pairing session.</summary>
/// <param name="Qr">The raw string to render (or give to a QR library).</param>
/// <param name="DataUrl">A PNG of it as a data URL, ready for an <c>img</c> tag.</param>
public sealed record QrResponse(string Qr, string DataUrl);

namespace WaOrleans.Grains.Sessions;

/// <summary>Where a session is, in the API's words (DESIGN.md "A session").</summary>
[GenerateSerializer, Alias("WaOrleans.SessionState")]
public enum SessionState
{
    /// <summary>Created and never connected, or disconnected by its owner before pairing.</summary>
    Created,

    /// <summary>Opening the connection or logging in.</summary>
    Connecting,

    /// <summary>Unpaired and showing QR codes; <see cref="SessionStatus.Qr"/> holds the latest.</summary>
    Qr,

    /// <summary>Unpaired; a pairing code waits to be typed on the phone.</summary>
    PairingCode,

    /// <summary>Logged in and able to send.</summary>
    Connected,

    /// <summary>Not connected: reconnecting by itself, or stopped by its owner.</summary>
    Disconnected,

    /// <summary>Unlinked by the phone, by WhatsApp or by the API; a new pairing is needed.</summary>
    LoggedOut,

    /// <summary>Refused for a reason retrying cannot fix; <see cref="SessionStatus.Reason"/> says which.</summary>
    Failed,
}

/// <summary>How a session pairs when it has no credentials yet.</summary>
[GenerateSerializer, Alias("WaOrleans.ConnectMethod")]
public enum ConnectMethod
{
    /// <summary>Show QR codes for the phone to scan.</summary>
    Qr,

    /// <summary>Request a pairing code for the given phone number.</summary>
    PairingCode,
}

/// <summary>What a session reports about itself.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.SessionStatus")]
public sealed record SessionStatus
{
    /// <summary>Gets the session id.</summary>
    [Id(0)] public required string SessionId { get; init; }

    /// <summary>Gets the state.</summary>
    [Id(1)] public required SessionState State { get; init; }

    /// <summary>Gets why the session is failed, logged out or disconnected, when known.</summary>
    [Id(2)] public string? Reason { get; init; }

    /// <summary>Gets the linked number's JID once paired.</summary>
    [Id(3)] public string? MeJid { get; init; }

    /// <summary>Gets the linked number's LID once paired, when WhatsApp sent one.</summary>
    [Id(4)] public string? MeLid { get; init; }

    /// <summary>Gets the latest QR string while the state is <see cref="SessionState.Qr"/>; show it only to the user.</summary>
    [Id(5)] public string? Qr { get; init; }

    /// <summary>Gets the pairing code while the state is <see cref="SessionState.PairingCode"/>.</summary>
    [Id(6)] public string? PairingCode { get; init; }

    /// <summary>Gets the tenant owning the session.</summary>
    [Id(7)] public string TenantId { get; init; } = SessionConstants.DefaultTenant;

    /// <summary>Gets the display name given at creation.</summary>
    [Id(8)] public string? Name { get; init; }

    /// <summary>Gets when the session was created.</summary>
    [Id(9)] public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Describes the status without the QR string, which carries the ADV secret.</summary>
    public override string ToString() => $"SessionStatus({SessionId}, {State}, {Reason ?? "-"}, {MeJid ?? "unpaired"})";
}

/// <summary>Asks a session to connect, pairing by <see cref="Method"/> if it has no credentials.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.ConnectRequest")]
public sealed record ConnectRequest
{
    /// <summary>Gets how to pair an unpaired session.</summary>
    [Id(0)] public ConnectMethod Method { get; init; } = ConnectMethod.Qr;

    /// <summary>Gets the phone number (international digits) a pairing code is for.</summary>
    [Id(1)] public string? Phone { get; init; }
}

/// <summary>A text message to send.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.SendTextRequest")]
public sealed record SendTextRequest
{
    /// <summary>Gets the recipient: a phone number in international digits or a JID.</summary>
    [Id(0)] public required string To { get; init; }

    /// <summary>Gets the text.</summary>
    [Id(1)] public required string Text { get; init; }

    /// <summary>Gets the key that makes a retried request return the first result instead of sending again.</summary>
    [Id(2)] public string? IdempotencyKey { get; init; }
}

/// <summary>What became of a send.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.SendTextResult")]
public sealed record SendTextResult
{
    /// <summary>Gets the message id, persisted before the message left.</summary>
    [Id(0)] public required string MessageId { get; init; }

    /// <summary>Gets the status: <c>pending</c>, <c>sent</c> or <c>failed</c>.</summary>
    [Id(1)] public required string Status { get; init; }

    /// <summary>Gets why the send failed, when it did.</summary>
    [Id(2)] public string? Reason { get; init; }

    /// <summary>Gets whether this is the first result of an earlier request with the same idempotency key.</summary>
    [Id(3)] public bool Replayed { get; init; }
}

/// <summary>A session to create.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.CreateSessionRequest")]
public sealed record CreateSessionRequest
{
    /// <summary>Gets the owning tenant.</summary>
    [Id(0)] public string TenantId { get; init; } = SessionConstants.DefaultTenant;

    /// <summary>Gets a display name.</summary>
    [Id(1)] public string? Name { get; init; }
}

/// <summary>Changes to a session; null members stay as they are.</summary>
[GenerateSerializer, Immutable, Alias("WaOrleans.SessionPatch")]
public sealed record SessionPatch
{
    /// <summary>Gets the new display name.</summary>
    [Id(0)] public string? Name { get; init; }
}

namespace WaOrleans.Grains;

/// <summary>
/// A request the gateway refuses for a reason the caller can act on. It crosses grain boundaries
/// intact, and the API turns it into its error shape: <see cref="Code"/> is the machine-readable
/// code, <see cref="Field"/> names the offending field, and <see cref="Kind"/> picks the status.
/// </summary>
[GenerateSerializer, Alias("WaOrleans.GatewayException")]
public sealed class GatewayException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GatewayException(GatewayErrorKind kind, string code, string message, string? field = null)
        : base(message)
    {
        Kind = kind;
        Code = code;
        Field = field;
    }

    /// <summary>Creates an exception with no code (for serializers).</summary>
    public GatewayException()
        : this(GatewayErrorKind.Invalid, "invalid", "invalid request")
    {
    }

    /// <summary>Creates an exception with a message (for serializers).</summary>
    public GatewayException(string message)
        : this(GatewayErrorKind.Invalid, "invalid", message)
    {
    }

    /// <summary>Creates an exception wrapping another (for serializers).</summary>
    public GatewayException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = "invalid";
    }

    /// <summary>Gets the class of error, which picks the HTTP status.</summary>
    [Id(0)] public GatewayErrorKind Kind { get; init; }

    /// <summary>Gets the machine-readable code (<c>session_not_connected</c>, <c>not_on_whatsapp</c>, …).</summary>
    [Id(1)] public string Code { get; init; }

    /// <summary>Gets the request field that is wrong, when one is.</summary>
    [Id(2)] public string? Field { get; init; }

    /// <summary>Gets the limit that was hit, for <see cref="GatewayErrorKind.LimitExceeded"/>.</summary>
    [Id(3)] public long? Limit { get; init; }

    /// <summary>Gets how much of the limit is used, for <see cref="GatewayErrorKind.LimitExceeded"/>.</summary>
    [Id(4)] public long? Used { get; init; }

    /// <summary>Gets how long until the limit resets, for <see cref="GatewayErrorKind.LimitExceeded"/>.</summary>
    [Id(5)] public TimeSpan? RetryAfter { get; init; }
}

/// <summary>The classes of <see cref="GatewayException"/>; the API maps each to one HTTP status.</summary>
[GenerateSerializer, Alias("WaOrleans.GatewayErrorKind")]
public enum GatewayErrorKind
{
    /// <summary>The request is malformed or a value is out of range (400).</summary>
    Invalid,

    /// <summary>The thing named does not exist, or belongs to another tenant (404).</summary>
    NotFound,

    /// <summary>The request conflicts with the current state: duplicate, not connected… (409).</summary>
    Conflict,

    /// <summary>The request is well-formed but cannot be carried out: not on WhatsApp… (422).</summary>
    Unprocessable,

    /// <summary>A daily limit or quota is used up (429 with limit, used and Retry-After).</summary>
    LimitExceeded,

    /// <summary>WhatsApp or a dependency failed in a way a retry may fix (502/503).</summary>
    Unavailable,
}

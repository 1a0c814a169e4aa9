namespace WaOrleans.Api.Errors;

/// <summary>The one error shape of the API: <c>{"error": {"status", "code", "message", "field"}}</c>.</summary>
/// <param name="Error">The error.</param>
public sealed record ErrorResponse(ApiError Error);

/// <summary>What went wrong, for a program (<see cref="Code"/>) and for a person (<see cref="Message"/>).</summary>
public sealed record ApiError
{
    /// <summary>Gets the HTTP status.</summary>
    public required int Status { get; init; }

    /// <summary>Gets the machine-readable code (<c>invalid_phone</c>, <c>session_not_found</c>, …).</summary>
    public required string Code { get; init; }

    /// <summary>Gets what is wrong, in words.</summary>
    public required string Message { get; init; }

    /// <summary>Gets the request field that is wrong, when one is (<c>to</c>, <c>media.url</c>).</summary>
    public string? Field { get; init; }

    /// <summary>Gets the limit that was hit (429 only).</summary>
    public long? Limit { get; init; }

    /// <summary>Gets how much of the limit is used (429 only).</summary>
    public long? Used { get; init; }
}

/// <summary>A refusal decided by the API itself (401, 403, 404, 413…), turned into <see cref="ErrorResponse"/>.</summary>
public sealed class ApiException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ApiException(int status, string code, string message, string? field = null)
        : base(message)
    {
        Status = status;
        Code = code;
        Field = field;
    }

    /// <summary>Creates an exception with no code.</summary>
    public ApiException()
        : this(400, "invalid", "invalid request")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public ApiException(string message)
        : this(400, "invalid", message)
    {
    }

    /// <summary>Creates an exception wrapping another.</summary>
    public ApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = 400;
        Code = "invalid";
    }

    /// <summary>Gets the HTTP status.</summary>
    public int Status { get; }

    /// <summary>Gets the machine-readable code.</summary>
    public string Code { get; }

    /// <summary>Gets the field that is wrong.</summary>
    public string? Field { get; }

    /// <summary>Creates a 400 naming the field.</summary>
    public static ApiException Invalid(string code, string message, string? field = null) => new(400, code, message, field);

    /// <summary>Creates a 400 for a missing field.</summary>
    public static ApiException Missing(string field) => new(400, "missing_field", $"'{field}' is required", field);

    /// <summary>Creates a 404.</summary>
    public static ApiException NotFound(string code, string message) => new(404, code, message);

    /// <summary>Creates a 403 for a key that may not use the route.</summary>
    public static ApiException Forbidden(string message) => new(403, "forbidden", message);
}

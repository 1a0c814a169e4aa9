using WaOrleans.Protocol.Binary;

namespace WaOrleans.Protocol.Client;

/// <summary>The server answered an iq with <c>type="error"</c>; <see cref="Code"/> is its HTTP-like code.</summary>
public sealed class IqException : Exception
{
    /// <summary>Creates the exception from the code, text and error node of a reply.</summary>
    public IqException(int code, string text, Node? errorNode)
        : base($"iq failed with {code} {text}")
    {
        Code = code;
        Text = text;
        ErrorNode = errorNode;
    }

    /// <summary>Creates the exception with a message only (code 0).</summary>
    public IqException(string message)
        : base(message)
    {
        Text = message;
    }

    /// <summary>Creates the exception with a message and a cause (code 0).</summary>
    public IqException(string message, Exception innerException)
        : base(message, innerException)
    {
        Text = message;
    }

    /// <summary>Creates the exception without details.</summary>
    public IqException()
    {
        Text = "";
    }

    /// <summary>Gets the error code, such as 404 or 401 (0 when the reply carried none).</summary>
    public int Code { get; }

    /// <summary>Gets the error text, such as <c>item-not-found</c>.</summary>
    public string Text { get; }

    /// <summary>Gets the <c>error</c> node of the reply, if there was one.</summary>
    public Node? ErrorNode { get; }
}

/// <summary>Well-known iq error codes (PROTOCOL.md §9.6).</summary>
public static class IqErrors
{
    /// <summary>The request was malformed.</summary>
    public const int BadRequest = 400;

    /// <summary>Not authorized; pair-success checks answer it for hmac- and signature-mismatch.</summary>
    public const int NotAuthorized = 401;

    /// <summary>The target does not exist.</summary>
    public const int NotFound = 404;

    /// <summary>The server failed.</summary>
    public const int InternalServerError = 500;
}

/// <summary>An iq to send: namespace, type, target, content and timeout (the id is assigned when sent).</summary>
/// <param name="Namespace">The <c>xmlns</c> attribute, such as <c>encrypt</c>.</param>
/// <param name="Type">The <c>type</c> attribute: <c>get</c> or <c>set</c>.</param>
/// <param name="To">The target; the server JID when null.</param>
/// <param name="Content">The children.</param>
/// <param name="Timeout">How long to wait for the answer; <see cref="WaClientOptions.QueryTimeout"/> when null.</param>
public sealed record IqRequest(string Namespace, string Type, Jid? To, IReadOnlyList<Node> Content, TimeSpan? Timeout = null);

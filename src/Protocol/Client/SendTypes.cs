using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Signal.Stores;

namespace WaOrleans.Protocol.Client;

/// <summary>Options of one send.</summary>
public sealed record SendOptions
{
    /// <summary>Gets the message id to use instead of a generated one (for an idempotent resend).</summary>
    public string? MessageId { get; init; }

    /// <summary>Gets how long to wait for the server's ack; null uses <see cref="WaClientOptions.QueryTimeout"/>.</summary>
    public TimeSpan? AckTimeout { get; init; }

    /// <summary>
    /// Gets what commits the send's Signal changes in place of the store's own
    /// <see cref="ISignalProtocolStore.CommitAsync"/>, so a caller can store its record of the message in
    /// the same transaction (one commit instead of two). It is called once per send with the client's
    /// Signal store and every change that encrypting the stanza made (sessions built, ratchets moved,
    /// sender keys), under the client's Signal lock and before the stanza leaves (durability rule 2). It
    /// must make the changes durable or throw; when it throws, nothing was written and nothing is sent,
    /// and the send ends with its exception. Null commits with the store itself.
    /// </summary>
    public Func<ISignalProtocolStore, SignalChangeSet, CancellationToken, ValueTask>? CommitSignalAsync { get; init; }
}

/// <summary>A message the server accepted.</summary>
/// <param name="MessageId">The message id.</param>
/// <param name="Timestamp">The server's timestamp from its ack (our clock when the ack had none).</param>
public sealed record SendResult(string MessageId, DateTimeOffset Timestamp);

/// <summary>Whether a number is on WhatsApp.</summary>
/// <param name="Phone">The number as asked (digits).</param>
/// <param name="Jid">The phone-number JID.</param>
/// <param name="IsOnWhatsApp">Whether the number is registered.</param>
/// <param name="Lid">The user's LID when the server told it.</param>
public sealed record OnWhatsAppResult(string Phone, Jid Jid, bool IsOnWhatsApp, Jid? Lid);

/// <summary>The server refused a message (its <c>ack</c> carried an error), or it could not be sent at all.</summary>
public sealed class SendException : Exception
{
    /// <summary>Creates the exception with the server's error code (0 when there was none).</summary>
    public SendException(string message, int code)
        : base(message) => Code = code;

    /// <summary>Creates the exception with a message only.</summary>
    public SendException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public SendException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception without details.</summary>
    public SendException()
    {
    }

    /// <summary>Gets the server's error code (such as 463 or 479), or 0.</summary>
    public int Code { get; }
}

/// <summary>The recipient of a message is not on WhatsApp, so nothing was sent.</summary>
public sealed class NotOnWhatsAppException : Exception
{
    /// <summary>Creates the exception for a recipient.</summary>
    public NotOnWhatsAppException(Jid recipient)
        : base($"{recipient} is not on WhatsApp") => Recipient = recipient;

    /// <summary>Creates the exception with a message only.</summary>
    public NotOnWhatsAppException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public NotOnWhatsAppException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception without details.</summary>
    public NotOnWhatsAppException()
    {
    }

    /// <summary>Gets the recipient that is not on WhatsApp.</summary>
    public Jid Recipient { get; }
}

using System.Diagnostics.CodeAnalysis;

namespace WaOrleans.Protocol.Signal;

/// <summary>What went wrong in a Signal operation; the one error type of this layer carries it.</summary>
public enum SignalErrorKind
{
    /// <summary>The bytes are not a well-formed Signal message: truncated, bad protobuf, missing or malformed fields.</summary>
    InvalidMessage,

    /// <summary>The message's version byte is not version 3.</summary>
    InvalidVersion,

    /// <summary>The message authentication code (or the AES padding behind it) does not verify against any known session.</summary>
    InvalidMac,

    /// <summary>The message was already decrypted (its message key is used up): a replay or a redelivery.</summary>
    DuplicateMessage,

    /// <summary>The message counter jumps further ahead than <see cref="SignalConstants.MaxForwardJumps"/>.</summary>
    TooFarInFuture,

    /// <summary>There is no session (or no sender-key state) to use for this address.</summary>
    NoSession,

    /// <summary>A PreKeyWhisperMessage names a one-time prekey we do not have (already used, or never ours).</summary>
    InvalidPreKeyId,

    /// <summary>A PreKeyWhisperMessage names a signed prekey we do not have.</summary>
    InvalidSignedPreKeyId,

    /// <summary>A signature does not verify: a bundle's signed prekey or a group message.</summary>
    InvalidSignature,

    /// <summary>A public key is malformed (wrong length or type byte).</summary>
    InvalidKey,

    /// <summary>The identity store does not trust the peer's identity key for this direction.</summary>
    UntrustedIdentity,

    /// <summary>A stored record could not be read back.</summary>
    CorruptRecord,
}

/// <summary>
/// A Signal operation failed. <see cref="Kind"/> says why; when it is thrown by a decrypt or a
/// session build, no store was changed.
/// </summary>
public sealed class SignalProtocolException : Exception
{
    /// <summary>Creates the exception for a failed step.</summary>
    public SignalProtocolException(SignalErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    /// <summary>Creates an <see cref="SignalErrorKind.InvalidMessage"/> exception with no detail (tooling).</summary>
    public SignalProtocolException()
        : this(SignalErrorKind.InvalidMessage, "Signal operation failed")
    {
    }

    /// <summary>Creates an <see cref="SignalErrorKind.InvalidMessage"/> exception (tooling).</summary>
    public SignalProtocolException(string message)
        : this(SignalErrorKind.InvalidMessage, message)
    {
    }

    /// <summary>Creates an <see cref="SignalErrorKind.InvalidMessage"/> exception with its cause (tooling).</summary>
    public SignalProtocolException(string message, Exception innerException)
        : this(SignalErrorKind.InvalidMessage, message, innerException)
    {
    }

    /// <summary>Gets what went wrong.</summary>
    public SignalErrorKind Kind { get; }

    /// <summary>Throws a <see cref="SignalProtocolException"/> (keeps hot paths small).</summary>
    [DoesNotReturn]
    internal static void Throw(SignalErrorKind kind, string message, Exception? inner = null) =>
        throw new SignalProtocolException(kind, message, inner);
}

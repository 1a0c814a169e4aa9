using WaOrleans.Protocol.Signal.Stores;

namespace WaOrleans.Protocol.Signal;

/// <summary>The kinds of Signal ciphertext, with libsignal-node's type numbers and WhatsApp's <c>enc type</c>.</summary>
public enum CiphertextType
{
    /// <summary>A WhisperMessage in an established session (<c>enc type="msg"</c>).</summary>
    Whisper = 1,

    /// <summary>A PreKeyWhisperMessage that also sets the session up (<c>enc type="pkmsg"</c>).</summary>
    PreKey = 3,

    /// <summary>A group SenderKeyMessage (<c>enc type="skmsg"</c>).</summary>
    SenderKey = 4,
}

/// <summary>An encrypted 1:1 message and its type.</summary>
/// <param name="Type">Whether it is a WhisperMessage or a PreKeyWhisperMessage.</param>
/// <param name="Body">The message bytes to send.</param>
public sealed record EncryptedMessage(CiphertextType Type, byte[] Body)
{
    /// <summary>Describes the message by type and size.</summary>
    public override string ToString() => $"EncryptedMessage({Type}, {Body.Length} bytes)";
}

/// <summary>A decrypted message and what it did to the peer's stored identity.</summary>
/// <param name="Plaintext">The decrypted bytes.</param>
/// <param name="IdentityChange">
/// <see cref="IdentityChange.ReplacedExisting"/> when a PreKeyWhisperMessage came with a new identity
/// for the address: raise an identity-change event.
/// </param>
public sealed record DecryptResult(byte[] Plaintext, IdentityChange IdentityChange)
{
    /// <summary>Describes the result without the plaintext.</summary>
    public override string ToString() => $"DecryptResult({Plaintext.Length} bytes, {IdentityChange})";
}

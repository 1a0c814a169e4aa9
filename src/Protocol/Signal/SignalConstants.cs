namespace WaOrleans.Protocol.Signal;

/// <summary>
/// The numbers of the Signal layer, each with the reason for its value (PROTOCOL.md §5.5, §5.6).
/// </summary>
public static class SignalConstants
{
    /// <summary>
    /// The message version this implementation speaks: libsignal v3 (X3DH and Double Ratchet, no
    /// post-quantum parts), which is all WhatsApp uses.
    /// </summary>
    public const int CurrentVersion = 3;

    /// <summary>
    /// The version byte in front of every Signal message: current version in the high nibble and
    /// the same version in the low nibble, as libsignal-node writes it (<c>0x33</c>).
    /// </summary>
    public const byte VersionByte = (CurrentVersion << 4) | CurrentVersion;

    /// <summary>The key-type byte in front of a Curve25519 public key inside Signal messages.</summary>
    public const byte DjbKeyType = 0x05;

    /// <summary>Size of a public key with its <see cref="DjbKeyType"/> prefix.</summary>
    public const int SerializedPublicKeySize = 33;

    /// <summary>Size of the truncated HMAC-SHA256 after a WhisperMessage: libsignal v3 keeps 8 bytes.</summary>
    public const int MacSize = 8;

    /// <summary>
    /// Most message keys a chain keeps for out-of-order delivery (libsignal's <c>MAX_MESSAGE_KEYS</c>,
    /// libsignal-node's 2,000 look-ahead). Older skipped keys are dropped first, so a message that is
    /// more than 2,000 behind its chain's newest can no longer be read; this bounds a record's size.
    /// </summary>
    public const int MaxMessageKeys = 2000;

    /// <summary>
    /// Farthest a message counter may jump ahead of its chain (libsignal's <c>MAX_FORWARD_JUMPS</c>).
    /// Deriving skipped keys costs two HMACs each, so an attacker-chosen counter must not make one
    /// decrypt derive millions of them; 25,000 still covers a long offline gap.
    /// </summary>
    public const int MaxForwardJumps = 25_000;

    /// <summary>
    /// Receiving chains kept per session (libsignal's <c>MAX_RECEIVER_CHAINS</c>): a message can
    /// still arrive late from this many of the peer's previous ratchet keys.
    /// </summary>
    public const int MaxReceiverChains = 5;

    /// <summary>
    /// Previous sessions kept per address and tried when the current one cannot decrypt (libsignal's
    /// <c>ARCHIVED_STATES_MAX_LENGTH</c>, libsignal-node's <c>CLOSED_SESSIONS_MAX</c>): a peer that
    /// rebuilt its session can still have older messages in flight.
    /// </summary>
    public const int ArchivedStatesMaxLength = 40;

    /// <summary>
    /// Sender-key states kept per (group, sender device) (libsignal's <c>MAX_SENDER_KEY_STATES</c>,
    /// Baileys' <c>MAX_STATES</c>): a sender that rotated its key may still have older messages in flight.
    /// </summary>
    public const int MaxSenderKeyStates = 5;

    /// <summary>
    /// Largest prekey id: WhatsApp carries prekey ids as 3 big-endian bytes in its IQs (§5.4).
    /// </summary>
    public const uint MaxPreKeyId = 0xFF_FFFF;

    /// <summary>Registration ids are 14 bits (Baileys and libsignal-node mask with 0x3FFF).</summary>
    public const uint RegistrationIdMask = 0x3FFF;

    /// <summary>Sender-key ids are random in [0, 2^31) (Baileys' <c>generateSenderKeyId</c>).</summary>
    public const uint SenderKeyIdMask = 0x7FFF_FFFF;

    /// <summary>Size of root keys, chain keys and message-key seeds.</summary>
    internal const int KeySize = 32;

    /// <summary>Size of an AES-CBC initialisation vector.</summary>
    internal const int IvSize = 16;
}

namespace WaOrleans.Protocol.Noise;

/// <summary>
/// Wire constants of WhatsApp's Noise transport (PROTOCOL.md §1, Appendix A), each with the reason
/// for its value. Mirrors whatsmeow's <c>socket/constants.go</c> and Baileys' <c>Defaults</c>.
/// </summary>
public static class NoiseConstants
{
    /// <summary>
    /// The binary-node dictionary version announced in the intro header's last byte; the server picks
    /// its token tables by it. Kept local to the Noise layer until the Binary layer's constant lands.
    /// </summary>
    public const byte DictVersion = 3;

    /// <summary>The intro header's third byte: a fixed magic the server expects after "WA".</summary>
    public const byte IntroMagic = 6;

    /// <summary>The intro header's length: "WA", the magic and the dictionary version.</summary>
    public const int IntroHeaderSize = 4;

    /// <summary>
    /// The exclusive upper bound of a frame body's length (16 MiB): whatsmeow rejects lengths at or
    /// above it, and a 3-byte prefix cannot express it anyway, so every encodable length is allowed.
    /// </summary>
    public const int FrameMaxSize = 1 << 24;

    /// <summary>The size of a frame's big-endian length prefix; every frame in both phases has one.</summary>
    public const int FrameLengthSize = 3;

    /// <summary>The AES-GCM key size: AES-256, as the Noise name's AESGCM with 32-byte HKDF halves gives.</summary>
    public const int KeySize = 32;

    /// <summary>The AES-GCM tag appended to every ciphertext: the full 16 bytes, as both libraries use.</summary>
    public const int TagSize = 16;

    /// <summary>The AES-GCM nonce size: 8 zero bytes then a 32-bit big-endian counter (PROTOCOL.md §1.6).</summary>
    public const int NonceSize = 12;

    /// <summary>Where the 32-bit counter sits in the nonce: after the 8 zero bytes WA uses instead of Noise's 4.</summary>
    public const int NonceCounterOffset = 8;

    /// <summary>The SHA-256 size of the handshake hash <c>h</c> and chaining key <c>ck</c>.</summary>
    public const int HashSize = 32;

    /// <summary>The issuer serial every genuine intermediate certificate carries: the WA root's serial.</summary>
    public const uint RootIssuerSerial = 0;

    /// <summary>The default WhatsApp Web endpoint; the simulator overrides it with a plain ws:// URL.</summary>
    public const string WebSocketUrl = "wss://web.whatsapp.com/ws/chat";

    /// <summary>The Origin header the WhatsApp Web endpoint expects from a browser client.</summary>
    public const string Origin = "https://web.whatsapp.com";

    /// <summary>
    /// How long a handshake may wait for the peer's next message: whatsmeow's
    /// <c>NoiseHandshakeResponseTimeout</c>, long enough for a slow mobile link.
    /// </summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Gets the Noise protocol name, <c>Noise_XX_25519_AESGCM_SHA256</c> padded with four NULs to
    /// exactly 32 bytes, so it seeds <c>h</c>, <c>ck</c> and <c>k</c> as-is instead of being hashed.
    /// </summary>
    public static ReadOnlySpan<byte> NoiseStartPattern => "Noise_XX_25519_AESGCM_SHA256\0\0\0\0"u8;

    /// <summary>
    /// Gets the 4 bytes a client sends before its first frame, <c>57 41 06 03</c> ("WA", magic 6,
    /// dictionary version 3); they are also the Noise prologue, so both sides mix them into <c>h</c>.
    /// </summary>
    public static ReadOnlySpan<byte> IntroHeader => [(byte)'W', (byte)'A', IntroMagic, DictVersion];

    /// <summary>
    /// Gets WhatsApp's root certificate public key (<c>WA_CERT_DETAILS.PUBLIC_KEY</c>,
    /// whatsmeow <c>WACertPubKey</c>), which signs the server's intermediate certificate.
    /// </summary>
    public static ReadOnlySpan<byte> WhatsAppRootKey =>
    [
        0x14, 0x23, 0x75, 0x57, 0x4d, 0x0a, 0x58, 0x71, 0x66, 0xaa, 0xe7, 0x1e, 0xbe, 0x51, 0x64, 0x37,
        0xc4, 0xa2, 0x8b, 0x73, 0xe3, 0x69, 0x5c, 0x6c, 0xe1, 0xf7, 0xf9, 0x54, 0x5d, 0xa8, 0xee, 0x6b,
    ];
}

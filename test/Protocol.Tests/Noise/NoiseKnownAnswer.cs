using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Noise;

namespace WaOrleans.Protocol.Tests.Noise;

/// <summary>
/// Fixed keys and inputs for a replayable handshake, and the wire bytes the C# initiator produces
/// from them. <see cref="NoiseHandshakeTests"/> compares them with bytes recorded from Baileys;
/// <see cref="NoiseInteropTests"/> compares them with Baileys live.
/// </summary>
internal static class NoiseKnownAnswer
{
    public const byte ClientEphemeralSeed = 0x11;
    public const byte ClientStaticSeed = 0x22;

    public static readonly KeyPair ClientEphemeral = Fixed(ClientEphemeralSeed);
    public static readonly KeyPair ClientStatic = Fixed(ClientStaticSeed);
    public static readonly KeyPair ServerEphemeral = Fixed(0x33);
    public static readonly KeyPair ServerStatic = Fixed(0x44);
    public static readonly KeyPair Root = Fixed(0x55);
    public static readonly KeyPair Intermediate = Fixed(0x66);
    public static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    public static readonly byte[] Payload = "known-answer client payload"u8.ToArray();
    public static readonly byte[] Plaintext = "first transport frame"u8.ToArray();

    public static byte[] Chain { get; } = CertificateChainBuilder.CreateChain(
        Root, Intermediate, ServerStatic.PublicKey,
        DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), DateTimeOffset.FromUnixTimeSeconds(2_000_000_000));

    /// <summary>The raw (unclamped) private key of a seed, as handed to Baileys.</summary>
    public static byte[] RawPrivate(byte seed) => Enumerable.Repeat(seed, 32).ToArray();

    /// <summary>Runs both C# roles with the fixed keys and returns every wire unit.</summary>
    public static Transcript Run()
    {
        using var initiator = new NoiseInitiator(ClientEphemeral);
        using var responder = new NoiseResponder(ServerEphemeral);
        var hello = initiator.WriteClientHello();
        responder.ReadClientHello(hello);
        var serverHello = responder.WriteServerHello(ServerStatic, Chain);
        initiator.ReadServerHello(serverHello, Root.PublicKey, Now);
        var finish = initiator.WriteClientFinish(ClientStatic, Payload);
        using var ciphers = initiator.Split();
        var frame = FrameCodec.Encode(ciphers.Send.Encrypt(Plaintext));
        return new Transcript(
            [.. NoiseConstants.IntroHeader, .. FrameCodec.Encode(hello)],
            serverHello,
            FrameCodec.Encode(finish),
            frame);
    }

    private static KeyPair Fixed(byte seed) => Curve25519.FromPrivateKey(RawPrivate(seed));

    /// <summary>The wire units of one replayed handshake (client units framed, the client hello with its intro).</summary>
    public sealed record Transcript(byte[] ClientHello, byte[] ServerHello, byte[] ClientFinish, byte[] FirstFrame);
}

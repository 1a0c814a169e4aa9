using WaOrleans.Protocol.Crypto;

namespace WaOrleans.Protocol.Noise;

/// <summary>What a client needs to open a Noise connection with <see cref="NoiseSocket.ConnectAsync"/>.</summary>
/// <remarks><see cref="ToString"/> never prints key material or the payload.</remarks>
public sealed class NoiseClientOptions
{
    /// <summary>Gets the client's long-term Noise static key pair (Baileys' <c>creds.noiseKey</c>).</summary>
    public required KeyPair StaticKey { get; init; }

    /// <summary>Gets the serialized ClientPayload (registration or login) sent inside the client finish.</summary>
    public required ReadOnlyMemory<byte> ClientPayload { get; init; }

    /// <summary>Gets the root public key the server's certificate chain must lead to (default WhatsApp's).</summary>
    public ReadOnlyMemory<byte> RootKey { get; init; } = NoiseConstants.WhatsAppRootKey.ToArray();

    /// <summary>Gets the clock for the certificate validity check and the handshake timeout.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Gets the source of the per-connection ephemeral key pair; inject a fixed one to replay a handshake.</summary>
    public Func<KeyPair> EphemeralKeyFactory { get; init; } = Curve25519.GenerateKeyPair;

    /// <summary>Gets how long the whole handshake may take.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = NoiseConstants.HandshakeTimeout;

    /// <summary>Gets the exclusive upper bound of a frame body in either direction.</summary>
    public int MaxFrameSize { get; init; } = NoiseConstants.FrameMaxSize;

    /// <summary>Describes the options by the static key's redacted form and the payload size.</summary>
    public override string ToString() => $"NoiseClientOptions({StaticKey}, payload {ClientPayload.Length} B)";
}

/// <summary>What a server (the simulator) needs to accept a Noise connection with <see cref="NoiseSocket.AcceptAsync"/>.</summary>
/// <remarks><see cref="ToString"/> never prints key material.</remarks>
public sealed class NoiseServerOptions
{
    /// <summary>Gets the server's Noise static key pair, which the certificate chain's leaf certifies.</summary>
    public required KeyPair StaticKey { get; init; }

    /// <summary>Gets the serialized <c>CertChain</c> sent (encrypted) in the server hello; see <see cref="CertificateChainBuilder"/>.</summary>
    public required ReadOnlyMemory<byte> CertificateChain { get; init; }

    /// <summary>Gets the clock for the handshake timeout.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Gets the source of the per-connection ephemeral key pair; inject a fixed one to replay a handshake.</summary>
    public Func<KeyPair> EphemeralKeyFactory { get; init; } = Curve25519.GenerateKeyPair;

    /// <summary>Gets how long the whole handshake may take.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = NoiseConstants.HandshakeTimeout;

    /// <summary>Gets the exclusive upper bound of a frame body in either direction.</summary>
    public int MaxFrameSize { get; init; } = NoiseConstants.FrameMaxSize;

    /// <summary>Describes the options by the static key's redacted form.</summary>
    public override string ToString() => $"NoiseServerOptions({StaticKey}, chain {CertificateChain.Length} B)";
}

/// <summary>A client connection after a successful handshake.</summary>
/// <param name="Socket">The established socket; the caller owns and disposes it.</param>
/// <param name="ServerCertificate">The server's verified certificate chain.</param>
public sealed record NoiseConnectResult(NoiseSocket Socket, ServerCertificateChain ServerCertificate);

/// <summary>A server connection after a successful handshake.</summary>
/// <param name="Socket">The established socket; the caller owns and disposes it.</param>
/// <param name="ClientStaticKey">The client's long-term Noise static public key (32 bytes).</param>
/// <param name="ClientPayload">The decrypted, still serialized ClientPayload.</param>
public sealed record NoiseAcceptResult(NoiseSocket Socket, ReadOnlyMemory<byte> ClientStaticKey, ReadOnlyMemory<byte> ClientPayload);

using Google.Protobuf;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Proto;

namespace WaOrleans.Protocol.Noise;

/// <summary>
/// The client side of WhatsApp's Noise XX handshake, without I/O (PROTOCOL.md §1.3): write the
/// client hello, read the server hello (verifying the certificate chain), write the client finish,
/// then split into transport ciphers. <see cref="NoiseSocket.ConnectAsync"/> drives it over a transport.
/// </summary>
/// <remarks>Each step must be called once, in order. <see cref="ToString"/> prints the step only.</remarks>
public sealed class NoiseInitiator : IDisposable
{
    private readonly NoiseHandshake _state = new();
    private readonly KeyPair _ephemeral;
    private byte[]? _serverEphemeral;
    private Step _step;

    /// <summary>Starts a handshake with a fresh ephemeral key pair (injected so tests can replay).</summary>
    public NoiseInitiator(KeyPair ephemeral)
    {
        ArgumentNullException.ThrowIfNull(ephemeral);
        _ephemeral = ephemeral;

        // Noise XX's first message is "e" with an empty payload; WhatsApp mixes e but not the
        // empty payload (PROTOCOL.md §1.6).
        _state.MixHash(ephemeral.PublicKey);
    }

    private enum Step
    {
        ClientHello,
        ServerHello,
        ClientFinish,
        Split,
        Done,
    }

    /// <summary>Returns the serialized <c>HandshakeMessage{clientHello{ephemeral}}</c>.</summary>
    public byte[] WriteClientHello()
    {
        Advance(Step.ClientHello);
        return new HandshakeMessage
        {
            ClientHello = new HandshakeMessage.Types.ClientHello { Ephemeral = ByteString.CopyFrom(_ephemeral.PublicKey) },
        }.ToByteArray();
    }

    /// <summary>
    /// Processes the server hello: mixes the server ephemeral, decrypts the server static key and
    /// the certificate chain, and verifies the chain against <paramref name="rootKey"/> at <paramref name="now"/>.
    /// </summary>
    /// <exception cref="NoiseHandshakeException">A step failed; the message names it.</exception>
    /// <exception cref="NoiseCertificateException">The certificate chain was rejected.</exception>
    public ServerCertificateChain ReadServerHello(ReadOnlySpan<byte> message, ReadOnlySpan<byte> rootKey, DateTimeOffset now)
    {
        Advance(Step.ServerHello);
        var hello = HandshakeCodec.Parse(message, "failed to unmarshal handshake response").ServerHello;
        if (hello is not { HasEphemeral: true, HasStatic: true, HasPayload: true })
        {
            throw new NoiseHandshakeException("missing parts of handshake response");
        }

        _serverEphemeral = HandshakeCodec.RequireKey(hello.Ephemeral, "server ephemeral key");
        _state.MixHash(_serverEphemeral);
        HandshakeCodec.MixSharedSecret(_state, _ephemeral.PrivateKey, _serverEphemeral, "failed to mix server ephemeral key in");

        var serverStatic = HandshakeCodec.Decrypt(_state, hello.Static.Span, "failed to decrypt server static ciphertext");
        serverStatic = HandshakeCodec.RequireKey(serverStatic, "decrypted server static key");
        HandshakeCodec.MixSharedSecret(_state, _ephemeral.PrivateKey, serverStatic, "failed to mix server static key in");

        var certificate = HandshakeCodec.Decrypt(_state, hello.Payload.Span, "failed to decrypt noise certificate ciphertext");
        return CertificateVerifier.Verify(certificate, serverStatic, rootKey, now);
    }

    /// <summary>
    /// Returns the serialized <c>HandshakeMessage{clientFinish{static, payload}}</c>: our Noise static
    /// public key and the ClientPayload, each encrypted under the handshake state.
    /// </summary>
    /// <exception cref="NoiseHandshakeException">Mixing the static key in failed.</exception>
    public byte[] WriteClientFinish(KeyPair staticKey, ReadOnlySpan<byte> clientPayload)
    {
        ArgumentNullException.ThrowIfNull(staticKey);
        Advance(Step.ClientFinish);

        // The certificate decrypt used n = 0 under this key, so the static key goes out with n = 1.
        var encryptedStatic = _state.Encrypt(staticKey.PublicKey);
        HandshakeCodec.MixSharedSecret(_state, staticKey.PrivateKey, _serverEphemeral, "failed to mix noise private key in");
        var encryptedPayload = _state.Encrypt(clientPayload);
        return new HandshakeMessage
        {
            ClientFinish = new HandshakeMessage.Types.ClientFinish
            {
                Static = ByteString.CopyFrom(encryptedStatic),
                Payload = ByteString.CopyFrom(encryptedPayload),
            },
        }.ToByteArray();
    }

    /// <summary>Derives the transport ciphers (send = client→server) once the client finish is written.</summary>
    public NoiseCipherPair Split()
    {
        Advance(Step.Split);
        return _state.Split(NoiseRole.Initiator);
    }

    /// <summary>Wipes the handshake state.</summary>
    public void Dispose() => _state.Dispose();

    /// <summary>Describes the handshake by its next step, never its keys.</summary>
    public override string ToString() => $"NoiseInitiator(next {_step})";

    private void Advance(Step expected)
    {
        if (_step != expected)
        {
            throw new InvalidOperationException($"handshake step {expected} called when {_step} was expected");
        }

        _step = expected + 1;
    }
}

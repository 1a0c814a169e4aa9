using Google.Protobuf;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Proto;

namespace WaOrleans.Protocol.Noise;

/// <summary>
/// The server side of WhatsApp's Noise XX handshake, without I/O, as the simulator plays it
/// (PROTOCOL.md §1.3, verified against Baileys): read the client hello, write the server hello
/// with our static key and certificate chain, read the client finish, then split.
/// <see cref="NoiseSocket.AcceptAsync"/> drives it over a transport.
/// </summary>
/// <remarks>Each step must be called once, in order. <see cref="ToString"/> prints the step only.</remarks>
public sealed class NoiseResponder : IDisposable
{
    private readonly NoiseHandshake _state = new();
    private readonly KeyPair _ephemeral;
    private byte[]? _clientEphemeral;
    private Step _step;

    /// <summary>Starts a handshake with a fresh ephemeral key pair (injected so tests can replay).</summary>
    public NoiseResponder(KeyPair ephemeral)
    {
        ArgumentNullException.ThrowIfNull(ephemeral);
        _ephemeral = ephemeral;
    }

    private enum Step
    {
        ClientHello,
        ServerHello,
        ClientFinish,
        Split,
        Done,
    }

    /// <summary>Processes the client hello: mixes the client ephemeral, our ephemeral, and their agreement.</summary>
    /// <exception cref="NoiseHandshakeException">The message is malformed or the key unusable.</exception>
    public void ReadClientHello(ReadOnlySpan<byte> message)
    {
        Advance(Step.ClientHello);
        var hello = HandshakeCodec.Parse(message, "failed to unmarshal client hello").ClientHello;
        if (hello is not { HasEphemeral: true })
        {
            throw new NoiseHandshakeException("missing ephemeral key in client hello");
        }

        _clientEphemeral = HandshakeCodec.RequireKey(hello.Ephemeral, "client ephemeral key");
        _state.MixHash(_clientEphemeral);
        _state.MixHash(_ephemeral.PublicKey);
        HandshakeCodec.MixSharedSecret(_state, _ephemeral.PrivateKey, _clientEphemeral, "failed to mix client ephemeral key in");
    }

    /// <summary>
    /// Returns the serialized <c>HandshakeMessage{serverHello{ephemeral, static, payload}}</c>: our
    /// ephemeral key, then our static key and the certificate chain encrypted under the handshake state.
    /// </summary>
    public byte[] WriteServerHello(KeyPair staticKey, ReadOnlySpan<byte> certificateChain)
    {
        ArgumentNullException.ThrowIfNull(staticKey);
        Advance(Step.ServerHello);
        var encryptedStatic = _state.Encrypt(staticKey.PublicKey);
        HandshakeCodec.MixSharedSecret(_state, staticKey.PrivateKey, _clientEphemeral, "failed to mix server static key in");
        var encryptedCertificate = _state.Encrypt(certificateChain);
        return new HandshakeMessage
        {
            ServerHello = new HandshakeMessage.Types.ServerHello
            {
                Ephemeral = ByteString.CopyFrom(_ephemeral.PublicKey),
                Static = ByteString.CopyFrom(encryptedStatic),
                Payload = ByteString.CopyFrom(encryptedCertificate),
            },
        }.ToByteArray();
    }

    /// <summary>Processes the client finish: decrypts the client's static key, mixes it in, and decrypts the ClientPayload.</summary>
    /// <exception cref="NoiseHandshakeException">A step failed; the message names it.</exception>
    public NoiseClientFinish ReadClientFinish(ReadOnlySpan<byte> message)
    {
        Advance(Step.ClientFinish);
        var finish = HandshakeCodec.Parse(message, "failed to unmarshal client finish").ClientFinish;
        if (finish is not { HasStatic: true, HasPayload: true })
        {
            throw new NoiseHandshakeException("missing parts of client finish");
        }

        var clientStatic = HandshakeCodec.Decrypt(_state, finish.Static.Span, "failed to decrypt client static ciphertext");
        clientStatic = HandshakeCodec.RequireKey(clientStatic, "decrypted client static key");
        HandshakeCodec.MixSharedSecret(_state, _ephemeral.PrivateKey, clientStatic, "failed to mix client static key in");
        var payload = HandshakeCodec.Decrypt(_state, finish.Payload.Span, "failed to decrypt client payload ciphertext");
        return new NoiseClientFinish(clientStatic, payload);
    }

    /// <summary>Derives the transport ciphers (send = server→client) once the client finish is read.</summary>
    public NoiseCipherPair Split()
    {
        Advance(Step.Split);
        return _state.Split(NoiseRole.Responder);
    }

    /// <summary>Wipes the handshake state.</summary>
    public void Dispose() => _state.Dispose();

    /// <summary>Describes the handshake by its next step, never its keys.</summary>
    public override string ToString() => $"NoiseResponder(next {_step})";

    private void Advance(Step expected)
    {
        if (_step != expected)
        {
            throw new InvalidOperationException($"handshake step {expected} called when {_step} was expected");
        }

        _step = expected + 1;
    }
}

/// <summary>What the client revealed in its finish message.</summary>
/// <param name="StaticKey">The client's long-term Noise static public key (32 bytes).</param>
/// <param name="Payload">The serialized ClientPayload (registration or login).</param>
public sealed record NoiseClientFinish(byte[] StaticKey, byte[] Payload);

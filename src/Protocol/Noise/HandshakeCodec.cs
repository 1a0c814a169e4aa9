using System.Diagnostics.CodeAnalysis;
using Google.Protobuf;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Proto;

namespace WaOrleans.Protocol.Noise;

/// <summary>The steps both handshake roles share, each turning a failure into a <see cref="NoiseHandshakeException"/> naming it.</summary>
internal static class HandshakeCodec
{
    public static HandshakeMessage Parse(ReadOnlySpan<byte> message, string step)
    {
        try
        {
            return HandshakeMessage.Parser.ParseFrom(message);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new NoiseHandshakeException(step, ex);
        }
    }

    public static byte[] RequireKey(ByteString key, string what) => RequireKey(key.ToByteArray(), what);

    public static byte[] RequireKey(byte[] key, string what)
    {
        if (key.Length != Curve25519.KeySize)
        {
            throw new NoiseHandshakeException($"unexpected length of {what} {key.Length} (expected {Curve25519.KeySize})");
        }

        return key;
    }

    public static void MixSharedSecret(NoiseHandshake state, ReadOnlySpan<byte> privateKey, [NotNull] byte[]? publicKey, string step)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        try
        {
            state.MixSharedSecret(privateKey, publicKey);
        }
        catch (CryptoException ex)
        {
            throw new NoiseHandshakeException(step, ex);
        }
    }

    public static byte[] Decrypt(NoiseHandshake state, ReadOnlySpan<byte> ciphertext, string step) =>
        state.TryDecrypt(ciphertext, out var plaintext) ? plaintext : throw new NoiseHandshakeException(step);
}

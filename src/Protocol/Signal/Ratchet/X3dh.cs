// X3DH key agreement (https://signal.org/docs/specifications/x3dh/) as libsignal v3 computes it
// (PROTOCOL.md §5.5). It turns the agreed secrets into the first root and chain keys and must not
// know sessions, records, stores or the wire format.
using System.Security.Cryptography;
using WaOrleans.Protocol.Crypto;

namespace WaOrleans.Protocol.Signal.Ratchet;

/// <summary>The X3DH master secret for the initiator ("Alice") and the responder ("Bob").</summary>
internal static class X3dh
{
    // 32 bytes of 0xFF in front of the DH outputs: the "F" of the X3DH spec, which keeps the
    // input distinct from an XEdDSA-related use of the same curve.
    private const byte DiscontinuityByte = 0xFF;

    /// <summary>
    /// Alice's side: DH1 = X(spk, IK_A), DH2 = X(IK_B, E), DH3 = X(spk, E), DH4 = X(opk, E) when
    /// Bob's bundle had a one-time prekey.
    /// </summary>
    internal static (RootKey Root, ChainKey Chain) Initiator(
        KeyPair ourIdentity, KeyPair ourBaseKey, ReadOnlySpan<byte> theirIdentity,
        ReadOnlySpan<byte> theirSignedPreKey, ReadOnlySpan<byte> theirOneTimePreKey)
    {
        var count = theirOneTimePreKey.IsEmpty ? 4 : 5;
        Span<byte> secrets = stackalloc byte[5 * Curve25519.KeySize];
        secrets = secrets[..(count * Curve25519.KeySize)];
        try
        {
            secrets[..Curve25519.KeySize].Fill(DiscontinuityByte);
            Agree(ourIdentity, theirSignedPreKey, secrets, 1);
            Agree(ourBaseKey, theirIdentity, secrets, 2);
            Agree(ourBaseKey, theirSignedPreKey, secrets, 3);
            if (!theirOneTimePreKey.IsEmpty)
            {
                Agree(ourBaseKey, theirOneTimePreKey, secrets, 4);
            }

            return Derive(secrets);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secrets);
        }
    }

    /// <summary>Bob's side, the mirror image: DH1 = X(IK_A, spk), DH2 = X(E, IK_B), DH3 = X(E, spk), DH4 = X(E, opk).</summary>
    internal static (RootKey Root, ChainKey Chain) Responder(
        KeyPair ourIdentity, KeyPair ourSignedPreKey, KeyPair? ourOneTimePreKey,
        ReadOnlySpan<byte> theirIdentity, ReadOnlySpan<byte> theirBaseKey)
    {
        var count = ourOneTimePreKey is null ? 4 : 5;
        Span<byte> secrets = stackalloc byte[5 * Curve25519.KeySize];
        secrets = secrets[..(count * Curve25519.KeySize)];
        try
        {
            secrets[..Curve25519.KeySize].Fill(DiscontinuityByte);
            Agree(ourSignedPreKey, theirIdentity, secrets, 1);
            Agree(ourIdentity, theirBaseKey, secrets, 2);
            Agree(ourSignedPreKey, theirBaseKey, secrets, 3);
            if (ourOneTimePreKey is not null)
            {
                Agree(ourOneTimePreKey, theirBaseKey, secrets, 4);
            }

            return Derive(secrets);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secrets);
        }
    }

    private static void Agree(KeyPair ours, ReadOnlySpan<byte> theirs, Span<byte> secrets, int slot)
    {
        try
        {
            Curve25519.SharedKey(ours.PrivateKey, theirs, secrets.Slice(slot * Curve25519.KeySize, Curve25519.KeySize));
        }
        catch (CryptoException e)
        {
            SignalProtocolException.Throw(SignalErrorKind.InvalidKey, "X3DH agreement with an invalid public key", e);
        }
    }

    // HKDF(secrets, zeros, "WhisperText"): root key then chain key.
    private static (RootKey, ChainKey) Derive(ReadOnlySpan<byte> secrets)
    {
        Span<byte> derived = stackalloc byte[2 * SignalConstants.KeySize];
        SignalKdf.Derive(secrets, [], SignalKdf.WhisperText, derived);
        var result = (new RootKey(derived[..SignalConstants.KeySize].ToArray()),
                      new ChainKey(derived[SignalConstants.KeySize..].ToArray(), 0));
        CryptographicOperations.ZeroMemory(derived);
        return result;
    }
}

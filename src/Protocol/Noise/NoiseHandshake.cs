using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using WaOrleans.Protocol.Crypto;

namespace WaOrleans.Protocol.Noise;

/// <summary>Which side of the Noise handshake a party plays.</summary>
public enum NoiseRole
{
    /// <summary>The client, which sends the intro header and the first message.</summary>
    Initiator,

    /// <summary>The server (the simulator), which answers with its static key and certificate chain.</summary>
    Responder,
}

/// <summary>
/// The symmetric state both roles of WhatsApp's <c>Noise_XX_25519_AESGCM_SHA256</c> handshake
/// share (PROTOCOL.md §1.3): the handshake hash <c>h</c>, the chaining key <c>ck</c>, the cipher
/// key <c>k</c> and its counter <c>n</c>. <see cref="NoiseInitiator"/> and
/// <see cref="NoiseResponder"/> drive it through the XX message pattern.
/// </summary>
/// <remarks>
/// It follows the Noise spec (https://noiseprotocol.org/noise.html §5.2) with WhatsApp's
/// deviations: no MixHash of an empty payload after the first message, and nonces of 8 zero
/// bytes then a 32-bit big-endian counter. <see cref="ToString"/> prints the counter only.
/// </remarks>
public sealed class NoiseHandshake : IDisposable
{
    private const int SplitSize = 2 * NoiseConstants.KeySize;

    private readonly byte[] _hash = new byte[NoiseConstants.HashSize];
    private readonly byte[] _chainingKey = new byte[NoiseConstants.HashSize];
    private AesGcm _cipher;
    private uint _counter;

    /// <summary>
    /// Starts the state from the Noise protocol name (used as-is, being exactly 32 bytes) and mixes
    /// the prologue into <c>h</c>; WhatsApp's prologue is the intro header <c>WA 06 03</c>.
    /// </summary>
    public NoiseHandshake(ReadOnlySpan<byte> prologue)
    {
        NoiseConstants.NoiseStartPattern.CopyTo(_hash);
        NoiseConstants.NoiseStartPattern.CopyTo(_chainingKey);
        _cipher = new AesGcm(NoiseConstants.NoiseStartPattern, NoiseConstants.TagSize);
        MixHash(prologue);
    }

    /// <summary>Starts the state with WhatsApp's intro header as the prologue.</summary>
    public NoiseHandshake()
        : this(NoiseConstants.IntroHeader)
    {
    }

    /// <summary>Gets the current handshake hash <c>h</c> (the AAD of the next handshake ciphertext).</summary>
    public ReadOnlySpan<byte> Hash => _hash;

    /// <summary>Mixes data into the handshake hash: <c>h = SHA256(h || data)</c>.</summary>
    public void MixHash(ReadOnlySpan<byte> data)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(_hash);
        sha.AppendData(data);
        sha.GetHashAndReset(_hash);
    }

    /// <summary>
    /// Mixes input key material into the chaining key: HKDF-SHA256 with salt <c>ck</c> and empty
    /// info gives 64 bytes; the first half becomes <c>ck</c>, the second the new cipher key, and the
    /// counter restarts at 0.
    /// </summary>
    public void MixKey(ReadOnlySpan<byte> inputKeyMaterial)
    {
        Span<byte> output = stackalloc byte[SplitSize];
        try
        {
            Hkdf(inputKeyMaterial, output);
            output[..NoiseConstants.KeySize].CopyTo(_chainingKey);
            _cipher.Dispose();
            _cipher = new AesGcm(output[NoiseConstants.KeySize..], NoiseConstants.TagSize);
            _counter = 0;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(output);
        }
    }

    /// <summary>Mixes the X25519 agreement of our private key and their public key into the chaining key.</summary>
    /// <exception cref="CryptoException">Their public key is of low order.</exception>
    public void MixSharedSecret(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> publicKey)
    {
        Span<byte> shared = stackalloc byte[Curve25519.KeySize];
        try
        {
            Curve25519.SharedKey(privateKey, publicKey, shared);
            MixKey(shared);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    /// <summary>
    /// Encrypts with the current key, nonce <c>n++</c> and AAD <c>h</c>, appends the tag, then mixes
    /// the ciphertext into <c>h</c>.
    /// </summary>
    public byte[] Encrypt(ReadOnlySpan<byte> plaintext)
    {
        var ciphertext = new byte[NoiseCipher.GetCiphertextLength(plaintext.Length)];
        Span<byte> nonce = stackalloc byte[NoiseConstants.NonceSize];
        NextNonce(nonce);
        _cipher.Encrypt(nonce, plaintext, ciphertext.AsSpan(0, plaintext.Length), ciphertext.AsSpan(plaintext.Length), _hash);
        MixHash(ciphertext);
        return ciphertext;
    }

    /// <summary>
    /// Decrypts with the current key, nonce <c>n++</c> and AAD <c>h</c>, and on success mixes the
    /// ciphertext into <c>h</c>; on failure the state is unchanged except for the counter.
    /// </summary>
    /// <returns><see langword="false"/> when the tag does not verify or the input is shorter than a tag.</returns>
    public bool TryDecrypt(ReadOnlySpan<byte> ciphertext, [NotNullWhen(true)] out byte[]? plaintext)
    {
        plaintext = null;
        Span<byte> nonce = stackalloc byte[NoiseConstants.NonceSize];
        NextNonce(nonce);
        if (ciphertext.Length < NoiseConstants.TagSize)
        {
            return false;
        }

        var length = ciphertext.Length - NoiseConstants.TagSize;
        var output = new byte[length];
        try
        {
            _cipher.Decrypt(nonce, ciphertext[..length], ciphertext[length..], output, _hash);
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }

        MixHash(ciphertext);
        plaintext = output;
        return true;
    }

    /// <summary>
    /// Derives the transport ciphers: HKDF-SHA256 with salt <c>ck</c> and empty input and info gives
    /// 64 bytes; the first half keys client→server frames, the second server→client frames.
    /// </summary>
    public NoiseCipherPair Split(NoiseRole role)
    {
        Span<byte> output = stackalloc byte[SplitSize];
        try
        {
            Hkdf(ReadOnlySpan<byte>.Empty, output);
            var clientToServer = new NoiseCipher(output[..NoiseConstants.KeySize]);
            var serverToClient = new NoiseCipher(output[NoiseConstants.KeySize..]);
            return role == NoiseRole.Initiator
                ? new NoiseCipherPair(clientToServer, serverToClient)
                : new NoiseCipherPair(serverToClient, clientToServer);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(output);
        }
    }

    /// <summary>Wipes the chaining key and releases the cipher.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_chainingKey);
        _cipher.Dispose();
    }

    /// <summary>Describes the state by its counter, never its keys.</summary>
    public override string ToString() => $"NoiseHandshake(counter {_counter})";

    /// <summary>HKDF-SHA256 with salt <c>ck</c> and empty info (RFC 5869).</summary>
    private void Hkdf(ReadOnlySpan<byte> inputKeyMaterial, Span<byte> output)
    {
        // Extract by hand: the BCL's HKDF goes to OpenSSL's KDF on Linux, which refuses the empty
        // input key material Split uses. Extract is only PRK = HMAC(salt, ikm) (RFC 5869 §2.2).
        Span<byte> pseudoRandomKey = stackalloc byte[NoiseConstants.HashSize];
        try
        {
            HMACSHA256.HashData(_chainingKey, inputKeyMaterial, pseudoRandomKey);
            HKDF.Expand(HashAlgorithmName.SHA256, pseudoRandomKey, output, ReadOnlySpan<byte>.Empty);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pseudoRandomKey);
        }
    }

    private void NextNonce(Span<byte> nonce)
    {
        nonce.Clear();
        BinaryPrimitives.WriteUInt32BigEndian(nonce[NoiseConstants.NonceCounterOffset..], _counter++);
    }
}

/// <summary>The two directions of an established Noise transport, as seen by one party.</summary>
/// <param name="Send">The cipher for frames this party sends.</param>
/// <param name="Receive">The cipher for frames this party receives.</param>
public sealed record NoiseCipherPair(NoiseCipher Send, NoiseCipher Receive) : IDisposable
{
    /// <summary>Releases both ciphers.</summary>
    public void Dispose()
    {
        Send.Dispose();
        Receive.Dispose();
    }
}

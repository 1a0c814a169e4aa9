using System.Buffers.Binary;
using System.Security.Cryptography;

namespace WaOrleans.Protocol.Noise;

/// <summary>
/// One direction of an established Noise transport: AES-256-GCM under a key from the handshake's
/// split, with empty associated data and a nonce of 8 zero bytes then a 32-bit big-endian counter
/// that starts at 0 and advances once per frame (PROTOCOL.md §1.5).
/// </summary>
/// <remarks>
/// Not thread-safe: a direction's frames must be processed in order, so <see cref="NoiseSocket"/>
/// serialises senders and receivers. <see cref="ToString"/> prints the counter only.
/// </remarks>
public sealed class NoiseCipher : IDisposable
{
    /// <summary>One past the last usable counter: the nonce holds 32 bits, and a wrap would reuse a nonce.</summary>
    private const ulong CounterLimit = (ulong)uint.MaxValue + 1;

    private readonly AesGcm _aes;
    private ulong _counter;

    /// <summary>Creates a cipher from a 32-byte transport key with its counter at 0.</summary>
    public NoiseCipher(ReadOnlySpan<byte> key)
        : this(key, 0)
    {
    }

    /// <summary>Creates a cipher whose counter starts elsewhere, so tests can reach the counter limit.</summary>
    internal NoiseCipher(ReadOnlySpan<byte> key, ulong counter)
    {
        if (key.Length != NoiseConstants.KeySize)
        {
            throw new ArgumentException($"expected a {NoiseConstants.KeySize}-byte key, got {key.Length}", nameof(key));
        }

        _aes = new AesGcm(key, NoiseConstants.TagSize);
        _counter = counter;
    }

    /// <summary>Gets how many frames this direction has processed, which is also the next nonce counter.</summary>
    public long Counter => (long)_counter;

    /// <summary>Returns the ciphertext length of a plaintext: the plaintext plus the 16-byte tag.</summary>
    public static int GetCiphertextLength(int plaintextLength) => plaintextLength + NoiseConstants.TagSize;

    /// <summary>Encrypts the next frame into <paramref name="destination"/> (plaintext length + 16 bytes).</summary>
    /// <exception cref="TransportException">The nonce counter is exhausted.</exception>
    public void Encrypt(ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        if (destination.Length != GetCiphertextLength(plaintext.Length))
        {
            throw new ArgumentException("destination must be the plaintext length plus the tag", nameof(destination));
        }

        Span<byte> nonce = stackalloc byte[NoiseConstants.NonceSize];
        NextNonce(nonce);
        _aes.Encrypt(nonce, plaintext, destination[..plaintext.Length], destination[plaintext.Length..]);
        _counter++;
    }

    /// <summary>Encrypts the next frame and returns ciphertext plus tag.</summary>
    /// <exception cref="TransportException">The nonce counter is exhausted.</exception>
    public byte[] Encrypt(ReadOnlySpan<byte> plaintext)
    {
        var ciphertext = new byte[GetCiphertextLength(plaintext.Length)];
        Encrypt(plaintext, ciphertext);
        return ciphertext;
    }

    /// <summary>
    /// Decrypts the next frame (ciphertext plus tag) into <paramref name="destination"/>
    /// (ciphertext length − 16 bytes). The counter advances only when the tag verifies.
    /// </summary>
    /// <exception cref="TransportException">The tag does not verify or the frame is shorter than a tag
    /// (<see cref="TransportErrorKind.DecryptFailed"/>), or the counter is exhausted.</exception>
    public void Decrypt(ReadOnlySpan<byte> ciphertext, Span<byte> destination)
    {
        if (ciphertext.Length < NoiseConstants.TagSize)
        {
            throw new TransportException(TransportErrorKind.DecryptFailed,
                $"failed to decrypt frame {_counter}: {ciphertext.Length} bytes is shorter than the tag");
        }

        var length = ciphertext.Length - NoiseConstants.TagSize;
        if (destination.Length != length)
        {
            throw new ArgumentException("destination must be the ciphertext length minus the tag", nameof(destination));
        }

        Span<byte> nonce = stackalloc byte[NoiseConstants.NonceSize];
        NextNonce(nonce);
        try
        {
            _aes.Decrypt(nonce, ciphertext[..length], ciphertext[length..], destination);
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new TransportException(TransportErrorKind.DecryptFailed,
                $"failed to decrypt frame {_counter}: authentication tag mismatch", ex);
        }

        _counter++;
    }

    /// <summary>Decrypts the next frame and returns its plaintext; see <see cref="Decrypt(ReadOnlySpan{byte}, Span{byte})"/>.</summary>
    public byte[] Decrypt(ReadOnlySpan<byte> ciphertext)
    {
        var plaintext = new byte[Math.Max(0, ciphertext.Length - NoiseConstants.TagSize)];
        Decrypt(ciphertext, plaintext);
        return plaintext;
    }

    /// <summary>Releases the AES key schedule.</summary>
    public void Dispose() => _aes.Dispose();

    /// <summary>Describes the cipher by its counter, never its key.</summary>
    public override string ToString() => $"NoiseCipher(counter {_counter})";

    private void NextNonce(Span<byte> nonce)
    {
        if (_counter >= CounterLimit)
        {
            throw new TransportException(TransportErrorKind.CounterExhausted,
                "the 32-bit frame counter is exhausted; reconnect to get fresh keys");
        }

        nonce.Clear();
        BinaryPrimitives.WriteUInt32BigEndian(nonce[NoiseConstants.NonceCounterOffset..], (uint)_counter);
    }
}

using System.Security.Cryptography;

namespace WaOrleans.Protocol.Media;

/// <summary>
/// WhatsApp media encryption (PROTOCOL.md §8), streaming: AES-256-CBC with PKCS7 over the
/// plaintext, then the first 10 bytes of HMAC-SHA256(macKey, iv ‖ ciphertext). The blob is
/// ciphertext ‖ mac. Memory stays bounded by one chunk whatever the file size.
/// </summary>
public static class MediaCrypto
{
    /// <summary>Bytes read per step: large enough to amortise calls, small enough to never matter for memory.</summary>
    private const int ChunkSize = 64 * 1024;

    /// <summary>The AES block size; CBC consumes whole blocks.</summary>
    private const int BlockSize = 16;

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> into <paramref name="blob"/> with a fresh random media
    /// key, or with <paramref name="mediaKey"/> when given (tests, re-sends).
    /// </summary>
    public static async Task<EncryptedMedia> EncryptAsync(
        Stream plaintext, Stream blob, MediaType type, ReadOnlyMemory<byte> mediaKey = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(blob);
        var key = mediaKey.IsEmpty ? RandomNumberGenerator.GetBytes(MediaKeys.MediaKeySize) : mediaKey.ToArray();
        var keys = MediaKeys.Expand(key, type);
        using var aes = Aes.Create();
        using var encryptor = aes.CreateEncryptor(keys.CipherKey.ToArray(), keys.Iv.ToArray());
        using var fileHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var encHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, keys.MacKey.Span);
        mac.AppendData(keys.Iv.Span);
        var input = new byte[ChunkSize];
        var output = new byte[ChunkSize + BlockSize];
        long fileLength = 0;
        long encLength = 0;
        while (true)
        {
            var read = await plaintext.ReadAtLeastAsync(input, input.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            fileHash.AppendData(input, 0, read);
            fileLength += read;
            var last = read < input.Length;
            var cipher = last ? encryptor.TransformFinalBlock(input, 0, read) : output[..encryptor.TransformBlock(input, 0, read, output, 0)];
            mac.AppendData(cipher);
            encHash.AppendData(cipher);
            await blob.WriteAsync(cipher, cancellationToken).ConfigureAwait(false);
            encLength += cipher.Length;
            if (last)
            {
                break;
            }
        }

        var tag = mac.GetHashAndReset()[..MediaKeys.MacSize];
        encHash.AppendData(tag);
        await blob.WriteAsync(tag, cancellationToken).ConfigureAwait(false);
        return new EncryptedMedia(type, key, fileHash.GetHashAndReset(), encHash.GetHashAndReset(), fileLength, encLength + tag.Length);
    }

    /// <summary>
    /// Decrypts a blob into <paramref name="plaintext"/>, verifying the MAC and, when given, the
    /// blob's and the plaintext's SHA-256. Plaintext is written as it is decrypted, so when this
    /// throws the destination holds unverified bytes the caller must discard.
    /// </summary>
    /// <returns>The plaintext length.</returns>
    /// <exception cref="MediaException">A check failed; <see cref="MediaException.Kind"/> says which.</exception>
    public static async Task<long> DecryptAsync(
        Stream blob, Stream plaintext, MediaType type, ReadOnlyMemory<byte> mediaKey,
        ReadOnlyMemory<byte> fileEncSha256 = default, ReadOnlyMemory<byte> fileSha256 = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(plaintext);
        var keys = MediaKeys.Expand(mediaKey.Span, type);
        using var aes = Aes.Create();
        using var decryptor = aes.CreateDecryptor(keys.CipherKey.ToArray(), keys.Iv.ToArray());
        using var fileHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var encHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, keys.MacKey.Span);
        mac.AppendData(keys.Iv.Span);

        // The MAC is the blob's last 10 bytes, so each step keeps them back until the stream ends.
        var buffer = new byte[ChunkSize + MediaKeys.MacSize + BlockSize];
        var output = new byte[buffer.Length + BlockSize];
        var filled = 0;
        long cipherLength = 0;
        long length = 0;
        while (true)
        {
            var read = await blob.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            encHash.AppendData(buffer, filled, read);
            filled += read;
            var usable = filled - MediaKeys.MacSize;
            var whole = usable - usable % BlockSize;
            if (whole < ChunkSize)
            {
                continue;
            }

            mac.AppendData(buffer, 0, whole);
            var written = decryptor.TransformBlock(buffer, 0, whole, output, 0);
            fileHash.AppendData(output, 0, written);
            await plaintext.WriteAsync(output.AsMemory(0, written), cancellationToken).ConfigureAwait(false);
            length += written;
            cipherLength += whole;
            Buffer.BlockCopy(buffer, whole, buffer, 0, filled - whole);
            filled -= whole;
        }

        var tail = filled - MediaKeys.MacSize;
        if (tail < 0 || tail % BlockSize != 0 || cipherLength + tail == 0)
        {
            throw new MediaException(MediaErrorKind.Truncated, "the blob is not whole AES blocks followed by a 10-byte MAC");
        }

        if (!fileEncSha256.IsEmpty && !encHash.GetHashAndReset().AsSpan().SequenceEqual(fileEncSha256.Span))
        {
            throw new MediaException(MediaErrorKind.EncryptedHashMismatch, "the blob's SHA-256 is not fileEncSha256");
        }

        mac.AppendData(buffer, 0, tail);
        if (!CryptographicOperations.FixedTimeEquals(mac.GetHashAndReset().AsSpan(0, MediaKeys.MacSize), buffer.AsSpan(tail, MediaKeys.MacSize)))
        {
            throw new MediaException(MediaErrorKind.MacMismatch, "the blob's MAC does not verify");
        }

        byte[] last;
        try
        {
            last = decryptor.TransformFinalBlock(buffer, 0, tail);
        }
        catch (CryptographicException ex)
        {
            throw new MediaException(MediaErrorKind.BadPadding, "the blob does not decrypt", ex);
        }

        fileHash.AppendData(last);
        await plaintext.WriteAsync(last, cancellationToken).ConfigureAwait(false);
        length += last.Length;
        if (!fileSha256.IsEmpty && !fileHash.GetHashAndReset().AsSpan().SequenceEqual(fileSha256.Span))
        {
            throw new MediaException(MediaErrorKind.PlaintextHashMismatch, "the plaintext's SHA-256 is not fileSha256");
        }

        return length;
    }
}

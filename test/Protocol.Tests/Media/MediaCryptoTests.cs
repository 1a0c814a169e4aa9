using System.Security.Cryptography;
using WaOrleans.Protocol.Media;

namespace WaOrleans.Protocol.Tests.Media;

/// <summary>Media encryption round trips, tamper detection, and streaming without whole-file buffers.</summary>
public sealed class MediaCryptoTests
{
    /// <summary>A size well above any chunk, so a whole-file buffer would show in the position probe.</summary>
    private const int LargeSize = 20 * 1024 * 1024 + 7;

    [Theory]
    [InlineData(MediaType.Image, 0)]
    [InlineData(MediaType.Video, 1)]
    [InlineData(MediaType.Audio, 16)]
    [InlineData(MediaType.Document, 65536)]
    [InlineData(MediaType.Sticker, 65547)]
    public async Task Encrypt_then_decrypt_returns_the_plaintext_with_the_hashes_WhatsApp_expects(MediaType type, int size)
    {
        var plaintext = RandomNumberGenerator.GetBytes(size);
        using var blob = new MemoryStream();
        var info = await MediaCrypto.EncryptAsync(new MemoryStream(plaintext), blob, type);

        Assert.Equal(SHA256.HashData(plaintext), info.FileSha256.ToArray());
        Assert.Equal(SHA256.HashData(blob.ToArray()), info.FileEncSha256.ToArray());
        Assert.Equal(size, info.FileLength);
        Assert.Equal(blob.Length, info.EncryptedLength);
        Assert.Equal((size / 16 + 1) * 16 + MediaKeys.MacSize, blob.Length);
        Assert.Equal(ReferenceDecrypt(blob.ToArray(), info.MediaKey.Span, type), plaintext);

        using var output = new MemoryStream();
        blob.Position = 0;
        var length = await MediaCrypto.DecryptAsync(blob, output, type, info.MediaKey, info.FileEncSha256, info.FileSha256);
        Assert.Equal(size, length);
        Assert.Equal(plaintext, output.ToArray());
        Assert.DoesNotContain("Key", info.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_tampering_is_refused_with_its_own_kind()
    {
        var plaintext = RandomNumberGenerator.GetBytes(1000);
        using var blobStream = new MemoryStream();
        var info = await MediaCrypto.EncryptAsync(new MemoryStream(plaintext), blobStream, MediaType.Image);
        var blob = blobStream.ToArray();

        var flipped = (byte[])blob.Clone();
        flipped[5] ^= 1;
        Assert.Equal(MediaErrorKind.EncryptedHashMismatch, await KindAsync(flipped, info));
        Assert.Equal(MediaErrorKind.MacMismatch, await KindAsync(flipped, info with { FileEncSha256 = default }));
        Assert.Equal(MediaErrorKind.Truncated, await KindAsync(blob[..^1], info with { FileEncSha256 = default }));
        Assert.Equal(MediaErrorKind.Truncated, await KindAsync(blob[..9], info with { FileEncSha256 = default }));
        Assert.Equal(MediaErrorKind.PlaintextHashMismatch, await KindAsync(blob, info with { FileSha256 = new byte[32] }));
        Assert.Equal(MediaErrorKind.MacMismatch, await KindAsync(blob, info with { Type = MediaType.Video, FileEncSha256 = default }));
    }

    [Fact]
    public async Task Twenty_MiB_stream_through_both_ways_without_reading_the_whole_input_first()
    {
        var source = new ProbeStream(new PatternStream(LargeSize));
        var encryptedFile = Path.GetTempFileName();
        try
        {
            EncryptedMedia info;
            await using (var blob = new FirstWriteProbe(File.Create(encryptedFile), source))
            {
                info = await MediaCrypto.EncryptAsync(source, blob, MediaType.Video);
                Assert.InRange(blob.SourcePositionAtFirstWrite, 1, 1 << 20);
            }

            Assert.Equal(LargeSize, info.FileLength);
            var encrypted = new ProbeStream(File.OpenRead(encryptedFile));
            await using var sink = new FirstWriteProbe(new HashingSink(), encrypted);
            var length = await MediaCrypto.DecryptAsync(encrypted, sink, MediaType.Video, info.MediaKey, info.FileEncSha256, info.FileSha256);
            Assert.Equal(LargeSize, length);
            Assert.InRange(sink.SourcePositionAtFirstWrite, 1, 1 << 20);
            await encrypted.DisposeAsync();
        }
        finally
        {
            File.Delete(encryptedFile);
        }
    }

    [Fact]
    public void A_media_key_expands_as_HKDF_with_the_types_info()
    {
        var mediaKey = RandomNumberGenerator.GetBytes(32);
        var expected = HKDF.DeriveKey(HashAlgorithmName.SHA256, mediaKey, 112, [], "WhatsApp Audio Keys"u8.ToArray());
        var keys = MediaKeys.Expand(mediaKey, MediaType.Audio);
        Assert.Equal(expected[..16], keys.Iv.ToArray());
        Assert.Equal(expected[16..48], keys.CipherKey.ToArray());
        Assert.Equal(expected[48..80], keys.MacKey.ToArray());
        Assert.Equal(expected[80..], keys.RefKey.ToArray());
        Assert.Equal("WhatsApp Image Keys", MediaType.Sticker.HkdfInfo());
        Assert.Equal("/mms/image", MediaType.Sticker.UploadPath());
        Assert.Throws<ArgumentException>(() => MediaKeys.Expand(new byte[31], MediaType.Image));
    }

    private static async Task<MediaErrorKind> KindAsync(byte[] blob, EncryptedMedia info)
    {
        var ex = await Assert.ThrowsAsync<MediaException>(() =>
            MediaCrypto.DecryptAsync(new MemoryStream(blob), Stream.Null, info.Type, info.MediaKey, info.FileEncSha256, info.FileSha256));
        return ex.Kind;
    }

    /// <summary>The whole-buffer decryption the simulator's phones do, as an independent check of the format.</summary>
    private static byte[] ReferenceDecrypt(byte[] blob, ReadOnlySpan<byte> mediaKey, MediaType type)
    {
        var keys = MediaKeys.Expand(mediaKey, type);
        var ciphertext = blob[..^MediaKeys.MacSize];
        var mac = HMACSHA256.HashData(keys.MacKey.Span, [.. keys.Iv.Span, .. ciphertext])[..MediaKeys.MacSize];
        Assert.Equal(mac, blob[^MediaKeys.MacSize..]);
        using var aes = Aes.Create();
        aes.Key = keys.CipherKey.ToArray();
        return aes.DecryptCbc(ciphertext, keys.Iv.Span);
    }
}

using System.Security.Cryptography;
using WaOrleans.Protocol.Media;
using WaOrleans.Protocol.Tests.Support;

namespace WaOrleans.Protocol.Tests.Media;

/// <summary>Media blobs checked both ways against Baileys rc14's encryptedStream and downloadContentFromMessage.</summary>
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class MediaInteropTests(InteropHarness harness)
{
    /// <summary>Baileys' media type names and the C# type each maps to; ptt and gif share audio and video keys.</summary>
    public static TheoryData<string, MediaType> Types => new()
    {
        { "image", MediaType.Image },
        { "video", MediaType.Video },
        { "gif", MediaType.Video },
        { "audio", MediaType.Audio },
        { "ptt", MediaType.Audio },
        { "document", MediaType.Document },
        { "sticker", MediaType.Sticker },
    };

    [Theory]
    [MemberData(nameof(Types))]
    public async Task Baileys_encrypts_and_CSharp_decrypts_with_every_check(string baileysType, MediaType type)
    {
        var plaintext = RandomNumberGenerator.GetBytes(100_003);
        var result = (await harness.CallAsync("media.encrypt", new { type = baileysType, data = InteropHarness.B64(plaintext) }))!;
        var blob = Convert.FromBase64String(result["blob"]!.GetValue<string>());

        using var output = new MemoryStream();
        await MediaCrypto.DecryptAsync(new MemoryStream(blob), output, type,
            Convert.FromBase64String(result["mediaKey"]!.GetValue<string>()),
            Convert.FromBase64String(result["fileEncSha256"]!.GetValue<string>()),
            Convert.FromBase64String(result["fileSha256"]!.GetValue<string>()));

        Assert.Equal(plaintext, output.ToArray());
        Assert.Equal(plaintext.Length, result["fileLength"]!.GetValue<int>());
    }

    [Theory]
    [MemberData(nameof(Types))]
    public async Task CSharp_encrypts_and_Baileys_downloads_and_decrypts(string baileysType, MediaType type)
    {
        var plaintext = RandomNumberGenerator.GetBytes(70_001);
        using var blob = new MemoryStream();
        var info = await MediaCrypto.EncryptAsync(new MemoryStream(plaintext), blob, type);

        var decrypted = await harness.CallBytesAsync("media.decrypt",
            new { type = baileysType, mediaKey = InteropHarness.B64(info.MediaKey.Span), blob = InteropHarness.B64(blob.ToArray()) });

        Assert.Equal(plaintext, decrypted);
    }
}

using WaOrleans.Protocol.Proto;

namespace WaOrleans.Simulator.Tests;

public sealed class MediaKindTests
{
    public static TheoryData<string, string> Kinds => new()
    {
        { "image", "WhatsApp Image Keys" },
        { "video", "WhatsApp Video Keys" },
        { "audio", "WhatsApp Audio Keys" },
        { "ptt", "WhatsApp Audio Keys" },
        { "document", "WhatsApp Document Keys" },
        { "sticker", "WhatsApp Image Keys" },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_phone_encrypts_each_media_kind_under_its_own_key_info_and_stores_the_blob(string kind, string keyInfo)
    {
        var media = new MediaStore();
        var content = new byte[3_000];
        Random.Shared.NextBytes(content);
        var request = new SendRequest("15550000001", "caption", kind, Name: "file.bin", MediaBase64: Convert.ToBase64String(content), Seconds: 7);
        var message = PhoneMessageBuilder.Build(request, "15550000001@s.whatsapp.net", media, new Uri("https://127.0.0.1:1/"), DateTimeOffset.UtcNow);

        var (key, encSha, sha, path) = message switch
        {
            { ImageMessage: { } m } => (m.MediaKey, m.FileEncSha256, m.FileSha256, m.DirectPath),
            { VideoMessage: { } m } => (m.MediaKey, m.FileEncSha256, m.FileSha256, m.DirectPath),
            { AudioMessage: { } m } => (m.MediaKey, m.FileEncSha256, m.FileSha256, m.DirectPath),
            { DocumentMessage: { } m } => (m.MediaKey, m.FileEncSha256, m.FileSha256, m.DirectPath),
            { StickerMessage: { } m } => (m.MediaKey, m.FileEncSha256, m.FileSha256, m.DirectPath),
            _ => throw new Xunit.Sdk.XunitException($"{kind} built no media message"),
        };
        var blob = media.Find(path);
        Assert.NotNull(blob);
        Assert.Equal(content, MediaStore.Decrypt(blob, key.ToByteArray(), keyInfo, encSha.ToByteArray(), sha.ToByteArray(), out var error));
        Assert.Null(error);
        Assert.Equal(kind == "ptt", message.AudioMessage?.Ptt ?? false);
        if (kind == "document")
        {
            Assert.Equal("file.bin", message.DocumentMessage.FileName);
        }
    }
}

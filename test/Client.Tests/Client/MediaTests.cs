using System.Security.Cryptography;
using WaOrleans.Client.Tests.Support;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Media;
using WaOrleans.Protocol.Proto;

namespace WaOrleans.Client.Tests.Client;

/// <summary>Media against WaSim's https media host: uploads the phone verifies and decrypts, downloads the client verifies.</summary>
public sealed class MediaTests : IAsyncLifetime
{
    private const string Me = "15550104001";
    private const string Peer = "15550104002";
    private const string Other = "15550104003";
    private SimHarness _sim = null!;

    public async Task InitializeAsync() => _sim = await SimHarness.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    /// <summary>Each media message kind with the type it is encrypted for and the builder that makes it.</summary>
    private static readonly (string Kind, MediaType Type, Func<UploadedMedia, Message> Build)[] Kinds =
    [
        ("image", MediaType.Image, m => MessageBuilder.Image(m, caption: "a photo", width: 4, height: 3)),
        ("video", MediaType.Video, m => MessageBuilder.Video(m, caption: "a gif", gifPlayback: true, seconds: 2)),
        ("audio", MediaType.Audio, m => MessageBuilder.Audio(m, seconds: 3)),
        ("audio", MediaType.Audio, m => MessageBuilder.VoiceNote(m, seconds: 1)),
        ("document", MediaType.Document, m => MessageBuilder.Document(m, "report.pdf", "application/pdf")),
        ("sticker", MediaType.Sticker, m => MessageBuilder.Sticker(m, animated: true)),
    ];

    [Fact]
    public async Task Every_media_kind_sent_by_the_client_is_fetched_verified_and_decrypted_by_the_phone()
    {
        var (client, _, _) = await _sim.PairByQrAsync(Me);
        await _sim.Sim.CreatePhoneAsync(Peer);
        var peer = new Jid(Peer, JidServer.PhoneNumber);

        foreach (var (kind, type, build) in Kinds)
        {
            var content = RandomNumberGenerator.GetBytes(50_000 + (int)type);
            var sent = await client.SendMediaAsync(peer, new MemoryStream(content), type, build);

            var received = await _sim.WaitForAsync(Peer, m => m["id"]!.GetValue<string>() == sent.MessageId);
            Assert.Null(received["error"]?.GetValue<string>());
            var media = received["media"]!;
            Assert.Equal(kind, media["kind"]!.GetValue<string>());
            Assert.True(media["verified"]!.GetValue<bool>(), media["error"]?.GetValue<string>());
            Assert.Equal(content.Length, media["size"]!.GetValue<int>());
        }
    }

    [Fact]
    public async Task A_phones_image_is_downloaded_and_verified_by_the_client()
    {
        var (client, events, _) = await _sim.PairByQrAsync(Me);
        await _sim.Sim.CreatePhoneAsync(Peer);
        var image = RandomNumberGenerator.GetBytes(123_457);

        await _sim.Sim.PostOkAsync($"sim/phones/{Peer}/send", new { to = Me, kind = "image", imageBase64 = Convert.ToBase64String(image), text = "look" });

        var received = await events.NextAsync<MessageReceivedEvent>(e => e.Message.ImageMessage is not null);
        Assert.Equal("look", received.Message.ImageMessage.Caption);
        await using var plaintext = await client.DownloadMediaAsync(received.Message);
        Assert.Equal(image, await ReadAllAsync(plaintext));
    }

    [Fact]
    public async Task Every_media_kind_travels_client_to_client_and_a_tampered_reference_is_refused()
    {
        var (alice, _, _) = await _sim.PairByQrAsync(Me);
        var (bob, bobEvents, _) = await _sim.PairByQrAsync(Other);

        foreach (var (_, type, build) in Kinds)
        {
            var content = RandomNumberGenerator.GetBytes(70_000 + (int)type);
            var sent = await alice.SendMediaAsync(new Jid(Other, JidServer.PhoneNumber), new MemoryStream(content), type, build);

            var received = await bobEvents.NextAsync<MessageReceivedEvent>(e => e.Id == sent.MessageId);
            await using var plaintext = await bob.DownloadMediaAsync(received.Message);
            Assert.Equal(content, await ReadAllAsync(plaintext));

            var reference = MediaReference.From(received.Message)!;
            Assert.Equal(type, reference.Type);
            var ex = await Assert.ThrowsAsync<MediaException>(() => bob.DownloadMediaAsync(reference with { FileSha256 = new byte[32] }));
            Assert.Equal(MediaErrorKind.PlaintextHashMismatch, ex.Kind);
        }

        await Assert.ThrowsAsync<MediaException>(() => bob.DownloadMediaAsync(MessageBuilder.Text("no media")));
    }

    [Fact]
    public async Task A_twenty_MiB_video_uploads_and_downloads_through_temporary_files()
    {
        var (alice, _, _) = await _sim.PairByQrAsync(Me);
        var (bob, bobEvents, _) = await _sim.PairByQrAsync(Other);
        var content = new byte[20 << 20];
        RandomNumberGenerator.Fill(content);

        var sent = await alice.SendMediaAsync(new Jid(Other, JidServer.PhoneNumber), new MemoryStream(content), MediaType.Video, m => MessageBuilder.Video(m));

        var received = await bobEvents.NextAsync<MessageReceivedEvent>(e => e.Id == sent.MessageId);
        Assert.Equal((ulong)content.Length, received.Message.VideoMessage.FileLength);
        await using var plaintext = await bob.DownloadMediaAsync(received.Message);
        Assert.Equal(SHA256.HashData(content), await SHA256.HashDataAsync(plaintext));
    }

    [Fact]
    public async Task Without_a_trust_callback_the_self_signed_media_host_is_refused()
    {
        var (client, _, _) = await _sim.PairByQrAsync(Me, _sim.Options() with { MediaCertificateValidation = null });

        var ex = await Assert.ThrowsAsync<MediaException>(() => client.UploadMediaAsync(new MemoryStream([1, 2, 3]), MediaType.Image));
        Assert.Equal(MediaErrorKind.Transfer, ex.Kind);
    }

    [Fact]
    public async Task A_configured_handler_carries_the_transfers_and_a_refused_upload_is_retried_with_a_fresh_media_conn()
    {
        using var inner = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = _sim.Options().MediaCertificateValidation } };
        using var handler = new RefuseFirstUpload(inner);
        var options = _sim.Options() with { MediaCertificateValidation = null, MediaHttpHandler = handler };
        var (alice, _, _) = await _sim.PairByQrAsync(Me, options);
        var content = RandomNumberGenerator.GetBytes(3_000);

        var uploaded = await alice.UploadMediaAsync(new MemoryStream(content), MediaType.Document);

        Assert.Equal(2, handler.Uploads);
        Assert.StartsWith("/mms/document/", uploaded.DirectPath, StringComparison.Ordinal);
        Assert.Contains("auth=", handler.LastUpload!.Query, StringComparison.Ordinal);
        await using var plaintext = await alice.DownloadMediaAsync(new MediaReference(MediaType.Document, uploaded.DirectPath, null,
            uploaded.Encrypted.MediaKey, uploaded.Encrypted.FileSha256, uploaded.Encrypted.FileEncSha256));
        Assert.Equal(content, await ReadAllAsync(plaintext));
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    /// <summary>Answers the first upload with 500, as a media host that is briefly unavailable.</summary>
    private sealed class RefuseFirstUpload(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public int Uploads { get; private set; }

        public Uri? LastUpload { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Post)
            {
                Uploads++;
                LastUpload = request.RequestUri;
                if (Uploads == 1)
                {
                    return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.InternalServerError));
                }
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}

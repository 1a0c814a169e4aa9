using System.Security.Cryptography;
using System.Text.Json.Nodes;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Noise;
using WaOrleans.Protocol.Proto;
using WaOrleans.Protocol.Tests.Support;
using Xunit.Abstractions;

namespace WaOrleans.Protocol.Tests.Noise;

/// <summary>The Noise handshake and transport checked both ways against Baileys rc14.</summary>
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class NoiseInteropTests(InteropHarness harness, ITestOutputHelper output)
{
    /// <summary>Sizes around AES and framing boundaries, the WebSocket and TCP chunk sizes, and 1 MiB.</summary>
    private static readonly int[] EdgeSizes = [0, 1, 2, 15, 16, 17, 255, 256, 1000, 4096, 65535, 65536, 65537, 1 << 20];

    private const int SmallFrameCount = 200;

    [Theory]
    [InlineData("tcp")]
    [InlineData("ws")]
    public async Task Baileys_client_handshakes_with_the_CSharp_responder_and_echoes_every_frame(string transport)
    {
        var server = TestServerIdentity.Create();
        var frames = ClientFrames();
        await using var listener = await LoopbackListener.StartAsync(transport);
        var baileys = harness.CallAsync("noise.baileysClient", new { port = listener.Port, transport });

        var accepted = await NoiseSocket.AcceptAsync(await listener.AcceptAsync(), server.ServerOptions());
        await using var socket = accepted.Socket;
        var payload = ClientPayload.Parser.ParseFrom(accepted.ClientPayload.Span);
        Assert.NotNull(payload.DevicePairingData);
        Assert.Equal(ClientPayload.Types.UserAgent.Types.Platform.Web, payload.UserAgent.Platform);

        var echoes = await SendAndReceiveAsync(socket, frames, frames.Count);
        await socket.CloseAsync();
        var result = (await baileys)!;

        Assert.Equal(frames, echoes);
        Assert.Equal(frames.Select(Sha256Hex), Strings(result["received"]));
        Assert.Equal(Convert.FromBase64String(result["payload"]!.GetValue<string>()), accepted.ClientPayload.ToArray());
        Assert.Equal(Convert.FromBase64String(result["noiseKey"]!.GetValue<string>()), accepted.ClientStaticKey.ToArray());
        Assert.Equal(frames.Count, socket.FramesSent);
        Assert.Equal(frames.Count, socket.FramesReceived);
        if (transport == "ws")
        {
            Assert.Equal(NoiseConstants.Origin, listener.RequestHeaders["Origin"]);
        }
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("ws")]
    public async Task CSharp_initiator_handshakes_with_a_responder_built_from_Baileys_primitives(string transport)
    {
        var serverSizes = EdgeSizes.Concat(Enumerable.Range(0, 50).Select(i => i * 3)).ToArray();
        var started = (await harness.CallAsync("noise.startResponder", new { serverFrames = serverSizes, transport }))!;
        var clientStatic = Curve25519.GenerateKeyPair();
        var clientPayload = RandomNumberGenerator.GetBytes(200);
        var frames = ClientFrames();

        var connected = await NoiseSocket.ConnectAsync(await LoopbackListener.ConnectAsync(transport, Port(started)), new NoiseClientOptions
        {
            StaticKey = clientStatic,
            ClientPayload = clientPayload,
            RootKey = Bytes(started, "root"),
        });
        await using var socket = connected.Socket;

        Assert.Equal(7u, connected.ServerCertificate.Intermediate.Serial);
        Assert.Equal(42u, connected.ServerCertificate.Leaf.Serial);
        Assert.Equal(7u, connected.ServerCertificate.Leaf.IssuerSerial);
        Assert.Equal(Bytes(started, "serverStatic"), connected.ServerCertificate.Leaf.Key.ToArray());
        var received = await SendAndReceiveAsync(socket, frames, serverSizes.Length + frames.Count);
        await socket.CloseAsync();
        var result = (await harness.CallAsync("noise.responderResult", new { id = started["id"]!.GetValue<int>() }))!;

        Assert.Equal(serverSizes.Select((size, i) => Pattern(i, size)), received.Take(serverSizes.Length));
        Assert.Equal(frames, received.Skip(serverSizes.Length));
        Assert.Equal(clientStatic.PublicKeyBytes(), Bytes(result, "clientStatic"));
        Assert.Equal(clientPayload, Bytes(result, "payload"));
        Assert.Equal(frames.Select(Sha256Hex), Strings(result["received"]));
        Assert.Equal(serverSizes.Length + frames.Count, result["sent"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_libsignal_signed_chain_under_a_root_we_do_not_pin_is_rejected()
    {
        var started = (await harness.CallAsync("noise.startResponder", new { transport = "tcp" }))!;

        var ex = await Assert.ThrowsAsync<NoiseCertificateException>(async () => await NoiseSocket.ConnectAsync(
            await LoopbackListener.ConnectAsync("tcp", Port(started)),
            new NoiseClientOptions { StaticKey = Curve25519.GenerateKeyPair(), ClientPayload = new byte[1] }));

        Assert.Equal(CertificateError.IntermediateSignatureInvalid, ex.Reason);
        await Assert.ThrowsAsync<InteropException>(() => harness.CallAsync("noise.responderResult", new { id = started["id"]!.GetValue<int>() }));
    }

    [Fact]
    public async Task Baileys_sends_the_same_client_bytes_as_the_CSharp_initiator_for_fixed_keys()
    {
        var transcript = NoiseKnownAnswer.Run();

        var result = (await harness.CallAsync("noise.clientVector", new
        {
            ephemeralPriv = InteropHarness.B64(NoiseKnownAnswer.RawPrivate(NoiseKnownAnswer.ClientEphemeralSeed)),
            noisePriv = InteropHarness.B64(NoiseKnownAnswer.RawPrivate(NoiseKnownAnswer.ClientStaticSeed)),
            serverHello = InteropHarness.B64(transcript.ServerHello),
            payload = InteropHarness.B64(NoiseKnownAnswer.Payload),
            plaintext = InteropHarness.B64(NoiseKnownAnswer.Plaintext),
        }))!;

        foreach (var name in new[] { "clientHello", "clientFinish", "frame" })
        {
            output.WriteLine($"{name}: {Convert.ToHexStringLower(Bytes(result, name))}");
        }

        Assert.Equal(Bytes(result, "clientHello"), transcript.ClientHello);
        Assert.Equal(Bytes(result, "clientFinish"), transcript.ClientFinish);
        Assert.Equal(Bytes(result, "frame"), transcript.FirstFrame);
    }

    /// <summary>The edge sizes, then many small frames, with random contents.</summary>
    private static List<byte[]> ClientFrames() =>
        EdgeSizes.Concat(Enumerable.Range(0, SmallFrameCount).Select(i => i % 37)).Select(RandomNumberGenerator.GetBytes).ToList();

    /// <summary>Sends every frame from one task while another receives <paramref name="expected"/> frames.</summary>
    private static async Task<List<byte[]>> SendAndReceiveAsync(NoiseSocket socket, List<byte[]> frames, int expected)
    {
        var sender = Task.Run(async () =>
        {
            foreach (var frame in frames)
            {
                await socket.SendFrameAsync(frame);
            }
        });
        var received = new List<byte[]>();
        while (received.Count < expected)
        {
            received.Add(await socket.ReceiveFrameAsync() ?? throw new InvalidOperationException($"closed after {received.Count} frames"));
        }

        await sender;
        return received;
    }


    /// <summary>Frame i of a given size from the harness responder: byte j is (31·i + j) mod 256.</summary>
    private static byte[] Pattern(int i, int size) => Enumerable.Range(0, size).Select(j => (byte)((31 * i) + j)).ToArray();

    private static string Sha256Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static IEnumerable<string> Strings(JsonNode? array) => array!.AsArray().Select(n => n!.GetValue<string>());

    private static int Port(JsonNode started) => started["port"]!.GetValue<int>();

    private static byte[] Bytes(JsonNode node, string name) => Convert.FromBase64String(node[name]!.GetValue<string>());
}

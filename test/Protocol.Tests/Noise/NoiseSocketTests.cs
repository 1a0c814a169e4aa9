using System.Security.Cryptography;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Noise;
using WaOrleans.Protocol.Tests.Support;

namespace WaOrleans.Protocol.Tests.Noise;

/// <summary>C# initiator against C# responder over an in-memory duplex that can coalesce, split and tamper.</summary>
public sealed class NoiseSocketTests
{
    private readonly TestServerIdentity _server = TestServerIdentity.Create();

    [Fact]
    public async Task Frames_of_0_1_and_1_MiB_flow_both_ways()
    {
        var (client, server) = await ConnectPairAsync();
        await using var _ = client;
        await using var __ = server;
        byte[][] frames = [[], [0x7F], RandomNumberGenerator.GetBytes(1 << 20)];

        foreach (var frame in frames)
        {
            await client.SendFrameAsync(frame);
            Assert.Equal(frame, await server.ReceiveFrameAsync());
            await server.SendFrameAsync(frame);
            Assert.Equal(frame, await client.ReceiveFrameAsync());
        }

        Assert.Equal(3, client.FramesSent);
        Assert.Equal(3, client.FramesReceived);
        Assert.Equal(3, server.FramesSent);
    }

    [Fact]
    public async Task Many_small_frames_sent_before_any_read_arrive_coalesced_and_in_order()
    {
        var (client, server) = await ConnectPairAsync();
        await using var _ = client;
        await using var __ = server;
        var frames = Enumerable.Range(0, 1000).Select(i => RandomNumberGenerator.GetBytes(i % 23)).ToList();

        foreach (var frame in frames)
        {
            await client.SendFrameAsync(frame);
        }

        foreach (var frame in frames)
        {
            Assert.Equal(frame, await server.ReceiveFrameAsync());
        }
    }

    [Fact]
    public async Task The_handshake_and_frames_survive_one_byte_reads()
    {
        var (client, server) = await ConnectPairAsync(maxChunk: 1);
        await using var _ = client;
        await using var __ = server;
        var frame = RandomNumberGenerator.GetBytes(300);

        await client.SendFrameAsync(frame);
        await server.SendFrameAsync(frame);

        Assert.Equal(frame, await server.ReceiveFrameAsync());
        Assert.Equal(frame, await client.ReceiveFrameAsync());
    }

    [Fact]
    public async Task Concurrent_senders_each_keep_their_order_and_no_frame_is_lost()
    {
        const int Senders = 8;
        const int PerSender = 100;
        var (client, server) = await ConnectPairAsync();
        await using var _ = client;
        await using var __ = server;

        var sends = Enumerable.Range(0, Senders).Select(s => Task.Run(async () =>
        {
            for (var i = 0; i < PerSender; i++)
            {
                await client.SendFrameAsync(new byte[] { (byte)s, (byte)i });
            }
        }));
        await Task.WhenAll(sends);

        var next = new int[Senders];
        for (var n = 0; n < Senders * PerSender; n++)
        {
            var frame = (await server.ReceiveFrameAsync())!;
            Assert.Equal(next[frame[0]]++, frame[1]);
        }

        Assert.All(next, count => Assert.Equal(PerSender, count));
    }

    [Fact]
    public async Task A_send_cancelled_while_its_frame_is_written_finishes_the_frame_and_keeps_the_connection()
    {
        var (clientTransport, serverTransport) = InMemoryTransport.CreatePair();
        var (client, server) = await ConnectPairAsync(clientTransport, serverTransport);
        await using var _ = client;
        await using var __ = server;

        // Cancelled before it starts: nothing is sent, nothing is broken.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendFrameAsync("never"u8.ToArray(), new CancellationToken(canceled: true)));

        // Cancelled while the transport is still writing it (full buffers): the frame goes out whole.
        var writable = new TaskCompletionSource();
        clientTransport.SendGate = writable.Task;
        using var cancel = new CancellationTokenSource();
        var sending = client.SendFrameAsync("written whole"u8.ToArray(), cancel.Token);
        await cancel.CancelAsync();
        writable.SetResult();
        await sending;

        Assert.False(client.IsClosed);
        Assert.Equal("written whole"u8.ToArray(), await server.ReceiveFrameAsync());
        await client.SendFrameAsync("and the next"u8.ToArray());
        Assert.Equal("and the next"u8.ToArray(), await server.ReceiveFrameAsync());
    }

    [Fact]
    public async Task A_tampered_frame_fails_the_tag_with_a_typed_error_and_closes_the_socket()
    {
        var (clientTransport, serverTransport) = InMemoryTransport.CreatePair();
        var (client, server) = await ConnectPairAsync(clientTransport, serverTransport);
        await using var _ = client;
        await using var __ = server;
        await client.SendFrameAsync("intact"u8.ToArray());
        Assert.Equal("intact"u8.ToArray(), await server.ReceiveFrameAsync());

        clientTransport.Tamper = unit => unit[^1] ^= 0x01;
        await client.SendFrameAsync("tampered"u8.ToArray());
        var ex = await Assert.ThrowsAsync<TransportException>(() => server.ReceiveFrameAsync());

        Assert.Equal(TransportErrorKind.DecryptFailed, ex.Kind);
        Assert.True(server.IsClosed);
        Assert.Equal(TransportErrorKind.Closed, (await Assert.ThrowsAsync<TransportException>(() => server.ReceiveFrameAsync())).Kind);
    }

    [Fact]
    public async Task A_clean_close_ends_the_peer_receive_and_later_sends_fail()
    {
        var (client, server) = await ConnectPairAsync();
        await using var _ = server;
        await client.SendFrameAsync(new byte[] { 1 });

        await client.DisposeAsync();

        Assert.Equal([1], await server.ReceiveFrameAsync());
        Assert.Null(await server.ReceiveFrameAsync());
        Assert.True(client.IsClosed);
        Assert.Equal(TransportErrorKind.Closed, (await Assert.ThrowsAsync<TransportException>(() => client.SendFrameAsync(new byte[] { 2 }))).Kind);
    }

    [Fact]
    public async Task A_peer_that_stops_mid_frame_is_a_closed_error_not_a_clean_end()
    {
        var (transport, accept) = StartServer(new NoiseServerOptions { StaticKey = _server.ServerStatic, CertificateChain = _server.Chain });
        await ManualClientHandshakeAsync(transport);
        await using var server = (await accept).Socket;

        await transport.SendAsync(new byte[] { 0x00, 0x00, 0x20, 1, 2, 3 }, default);
        await transport.CloseAsync(default);

        Assert.Equal(TransportErrorKind.Closed, (await Assert.ThrowsAsync<TransportException>(() => server.ReceiveFrameAsync())).Kind);
    }

    [Fact]
    public async Task An_oversized_incoming_length_is_rejected_and_an_oversized_send_is_refused_without_spending_a_nonce()
    {
        var options = new NoiseServerOptions { StaticKey = _server.ServerStatic, CertificateChain = _server.Chain, MaxFrameSize = 1024 };
        var (transport, accept) = StartServer(options);
        await ManualClientHandshakeAsync(transport);
        await using var server = (await accept).Socket;

        var tooLarge = await Assert.ThrowsAsync<TransportException>(() => server.SendFrameAsync(new byte[2000]));
        Assert.Equal(TransportErrorKind.FrameTooLarge, tooLarge.Kind);
        Assert.Equal(0, server.FramesSent);
        Assert.False(server.IsClosed);

        await transport.SendAsync(new byte[] { 0x00, 0x10, 0x00 }, default);
        var incoming = await Assert.ThrowsAsync<TransportException>(() => server.ReceiveFrameAsync());
        Assert.Equal(TransportErrorKind.FrameTooLarge, incoming.Kind);
        Assert.True(server.IsClosed);
    }

    [Fact]
    public async Task A_silent_server_times_the_handshake_out_with_the_step_named()
    {
        var (client, _) = InMemoryTransport.CreatePair();
        var options = _server.ClientOptions(handshakeTimeout: TimeSpan.FromMilliseconds(200));

        var ex = await Assert.ThrowsAsync<NoiseHandshakeException>(() => NoiseSocket.ConnectAsync(client, options));

        Assert.Equal("handshake timed out during: receive server hello", ex.Message);
    }

    [Fact]
    public async Task Caller_cancellation_stays_a_cancellation()
    {
        var (client, _) = InMemoryTransport.CreatePair();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => NoiseSocket.ConnectAsync(client, _server.ClientOptions(), cts.Token));
    }

    [Fact]
    public async Task A_client_without_the_intro_is_refused_by_the_server()
    {
        var (client, server) = InMemoryTransport.CreatePair();
        var accept = NoiseSocket.AcceptAsync(server, _server.ServerOptions());

        await client.SendAsync("GET / HTTP/1.1\r\n"u8.ToArray(), default);

        var ex = await Assert.ThrowsAsync<NoiseHandshakeException>(() => accept);
        Assert.Equal(TransportErrorKind.InvalidIntro, Assert.IsType<TransportException>(ex.InnerException).Kind);
    }

    [Fact]
    public async Task The_injected_clock_drives_certificate_validity()
    {
        var (clientTransport, serverTransport) = InMemoryTransport.CreatePair();
        var accept = NoiseSocket.AcceptAsync(serverTransport, _server.ServerOptions());
        var options = _server.ClientOptions(time: new FixedTimeProvider(DateTimeOffset.UtcNow.AddDays(2)));

        var ex = await Assert.ThrowsAsync<NoiseCertificateException>(() => NoiseSocket.ConnectAsync(clientTransport, options));

        Assert.Equal(CertificateError.IntermediateExpired, ex.Reason);
        await Assert.ThrowsAsync<NoiseHandshakeException>(() => accept);
    }

    [Fact]
    public async Task Injected_keys_replay_the_known_answer_bytes_through_the_sockets()
    {
        var expected = NoiseKnownAnswer.Run();
        var (clientTransport, serverTransport) = InMemoryTransport.CreatePair();
        var sent = new List<byte[]>();
        clientTransport.Tamper = unit => sent.Add((byte[])unit.Clone());
        var accept = NoiseSocket.AcceptAsync(serverTransport, new NoiseServerOptions
        {
            StaticKey = NoiseKnownAnswer.ServerStatic,
            CertificateChain = NoiseKnownAnswer.Chain,
            EphemeralKeyFactory = () => NoiseKnownAnswer.ServerEphemeral,
        });

        var connected = await NoiseSocket.ConnectAsync(clientTransport, new NoiseClientOptions
        {
            StaticKey = NoiseKnownAnswer.ClientStatic,
            ClientPayload = NoiseKnownAnswer.Payload,
            RootKey = NoiseKnownAnswer.Root.PublicKeyBytes(),
            EphemeralKeyFactory = () => NoiseKnownAnswer.ClientEphemeral,
            TimeProvider = new FixedTimeProvider(NoiseKnownAnswer.Now),
        });
        await using var client = connected.Socket;
        await client.SendFrameAsync(NoiseKnownAnswer.Plaintext);
        await using var server = (await accept).Socket;

        Assert.Equal([expected.ClientHello, expected.ClientFinish, expected.FirstFrame], sent);
        Assert.Equal(NoiseKnownAnswer.Plaintext, await server.ReceiveFrameAsync());
    }

    private Task<(NoiseSocket Client, NoiseSocket Server)> ConnectPairAsync(int maxChunk = int.MaxValue)
    {
        var (client, server) = InMemoryTransport.CreatePair(maxChunk);
        return ConnectPairAsync(client, server);
    }

    private async Task<(NoiseSocket Client, NoiseSocket Server)> ConnectPairAsync(IFrameTransport client, IFrameTransport server)
    {
        var accept = NoiseSocket.AcceptAsync(server, _server.ServerOptions());
        var connected = await NoiseSocket.ConnectAsync(client, _server.ClientOptions());
        return (connected.Socket, (await accept).Socket);
    }

    private static (InMemoryTransport Client, Task<NoiseAcceptResult> Accept) StartServer(NoiseServerOptions options)
    {
        var (client, server) = InMemoryTransport.CreatePair();
        return (client, NoiseSocket.AcceptAsync(server, options));
    }

    /// <summary>Plays the client by hand over a raw transport, so the test can then write arbitrary bytes.</summary>
    private async Task ManualClientHandshakeAsync(InMemoryTransport transport)
    {
        using var initiator = new NoiseInitiator(Curve25519.GenerateKeyPair());
        byte[] hello = [.. NoiseConstants.IntroHeader, .. FrameCodec.Encode(initiator.WriteClientHello())];
        await transport.SendAsync(hello, default);
        var codec = new FrameCodec();
        byte[]? serverHello;
        var buffer = new byte[4096];
        while (!codec.TryReadFrame(out serverHello))
        {
            codec.Feed(buffer.AsSpan(0, await transport.ReceiveAsync(buffer, default)));
        }

        initiator.ReadServerHello(serverHello, _server.Root.PublicKey, DateTimeOffset.UtcNow);
        await transport.SendAsync(FrameCodec.Encode(initiator.WriteClientFinish(Curve25519.GenerateKeyPair(), [1])), default);
    }
}

using System.Security.Cryptography;
using WaOrleans.Protocol.Noise;
using WaOrleans.Protocol.Tests.Support;

namespace WaOrleans.Protocol.Tests.Noise;

/// <summary>C# initiator against C# responder over real loopback sockets: TCP streams and WebSockets.</summary>
public sealed class NoiseLoopbackTests
{
    private readonly TestServerIdentity _server = TestServerIdentity.Create();

    [Theory]
    [InlineData("tcp")]
    [InlineData("ws")]
    public async Task Frames_flow_both_ways_and_a_close_reaches_the_peer(string transport)
    {
        await using var listener = await LoopbackListener.StartAsync(transport);
        var accept = Task.Run(async () => await NoiseSocket.AcceptAsync(await listener.AcceptAsync(), _server.ServerOptions()));
        var connected = await NoiseSocket.ConnectAsync(await LoopbackListener.ConnectAsync(transport, listener.Port), _server.ClientOptions());
        await using var client = connected.Socket;
        var accepted = await accept;
        await using var server = accepted.Socket;
        var frames = new[] { 0, 1, 1 << 20 }.Concat(Enumerable.Range(0, 500).Select(i => i % 41)).Select(RandomNumberGenerator.GetBytes).ToList();

        var upstream = ExchangeAsync(client, server, frames);
        var downstream = ExchangeAsync(server, client, frames);
        await Task.WhenAll(upstream, downstream);
        await client.CloseAsync();

        Assert.Equal(frames, await upstream);
        Assert.Equal(frames, await downstream);
        Assert.Null(await server.ReceiveFrameAsync());
        Assert.Equal("client payload"u8.ToArray(), accepted.ClientPayload.ToArray());
        Assert.Equal(frames.Count, client.FramesSent);
        Assert.Equal(frames.Count, server.FramesReceived);
        if (transport == "ws")
        {
            Assert.Equal(NoiseConstants.Origin, listener.RequestHeaders["Origin"]);
        }
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("ws")]
    public async Task A_server_close_ends_the_client_receive(string transport)
    {
        await using var listener = await LoopbackListener.StartAsync(transport);
        var accept = Task.Run(async () => await NoiseSocket.AcceptAsync(await listener.AcceptAsync(), _server.ServerOptions()));
        await using var client = (await NoiseSocket.ConnectAsync(await LoopbackListener.ConnectAsync(transport, listener.Port), _server.ClientOptions())).Socket;
        var server = (await accept).Socket;

        await server.SendFrameAsync("bye"u8.ToArray());
        await server.DisposeAsync();

        Assert.Equal("bye"u8.ToArray(), await client.ReceiveFrameAsync());
        Assert.Null(await client.ReceiveFrameAsync());
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("ws")]
    public async Task Waiting_to_receive_consumes_nothing_skips_empty_messages_and_sees_a_close(string transport)
    {
        await using var listener = await LoopbackListener.StartAsync(transport);
        var accept = listener.AcceptAsync();
        await using var client = await LoopbackListener.ConnectAsync(transport, listener.Port);
        await using var server = await accept;

        var waiting = client.WaitToReceiveAsync(CancellationToken.None).AsTask();
        await server.SendAsync(ReadOnlyMemory<byte>.Empty, CancellationToken.None);
        await Task.Delay(100);
        Assert.False(waiting.IsCompleted);
        await server.SendAsync(new byte[] { 1, 2, 3 }, CancellationToken.None);
        await waiting;
        var buffer = new byte[16];
        var received = 0;
        while (received < 3)
        {
            received += await client.ReceiveAsync(buffer.AsMemory(received), CancellationToken.None);
        }

        Assert.Equal([1, 2, 3], buffer[..received]);
        await server.CloseAsync(CancellationToken.None);
        await client.WaitToReceiveAsync(CancellationToken.None);
        Assert.Equal(0, await client.ReceiveAsync(buffer, CancellationToken.None));
    }

    /// <summary>Sends the frames from one task while receiving as many on the other socket.</summary>
    private static async Task<List<byte[]>> ExchangeAsync(NoiseSocket from, NoiseSocket to, List<byte[]> frames)
    {
        var send = Task.Run(async () =>
        {
            foreach (var frame in frames)
            {
                await from.SendFrameAsync(frame);
            }
        });
        var received = new List<byte[]>();
        while (received.Count < frames.Count)
        {
            received.Add(await to.ReceiveFrameAsync() ?? throw new InvalidOperationException("closed early"));
        }

        await send;
        return received;
    }
}

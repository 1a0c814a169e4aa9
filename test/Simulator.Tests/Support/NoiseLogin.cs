using System.Net.WebSockets;
using Google.Protobuf;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Noise;
using WaOrleans.Protocol.Proto;

namespace WaOrleans.Simulator.Tests.Support;

/// <summary>A bare C# client built from the Protocol library's Noise and node codecs, for server-side edge cases.</summary>
public static class NoiseLogin
{
    /// <summary>Connects with a fresh Noise key and the given ClientPayload, trusting the server's test root.</summary>
    public static async Task<NoiseSocket> ConnectAsync(WaSimServer server, ClientPayload payload, KeyPair? noiseKey = null)
    {
        var transport = await WebSocketFrameTransport.ConnectAsync(server.WebSocketUri);
        var result = await NoiseSocket.ConnectAsync(transport, new NoiseClientOptions
        {
            StaticKey = noiseKey ?? Curve25519.GenerateKeyPair(),
            ClientPayload = payload.ToByteArray(),
            RootKey = server.RootPublicKey,
        });
        return result.Socket;
    }

    /// <summary>Logs in as <paramref name="username"/>:<paramref name="device"/> and returns the first stanza the server sends.</summary>
    public static async Task<Node> TryLoginAsync(WaSimServer server, ulong username, uint device)
    {
        await using var socket = await ConnectAsync(server, new ClientPayload { Username = username, Device = device, Passive = true, Pull = true });
        return (await ReceiveNodeAsync(socket))!;
    }

    /// <summary>Logs in as a paired device with its Noise key and returns the socket once <c>success</c> arrived.</summary>
    public static async Task<NoiseSocket> LoginAsync(WaSimServer server, ulong username, uint device, KeyPair noiseKey)
    {
        var socket = await ConnectAsync(server, new ClientPayload { Username = username, Device = device, Passive = true, Pull = true }, noiseKey);
        var success = await ReceiveNodeAsync(socket);
        Assert.Equal("success", success?.Tag);
        return socket;
    }

    /// <summary>Sends one stanza.</summary>
    public static Task SendNodeAsync(NoiseSocket socket, Node node) => socket.SendFrameAsync(NodeWriter.EncodeFrame(node));

    /// <summary>Builds a registration payload with fresh keys of the right sizes.</summary>
    public static ClientPayload RegistrationPayload()
    {
        var identity = Curve25519.GenerateKeyPair();
        var signedPreKey = Curve25519.GenerateKeyPair();
        byte[] signed = [5, .. signedPreKey.PublicKey];
        return new ClientPayload
        {
            Passive = false,
            Pull = false,
            DevicePairingData = new ClientPayload.Types.DevicePairingRegistrationData
            {
                ERegid = ByteString.CopyFrom(0, 0, 0x12, 0x34),
                EKeytype = ByteString.CopyFrom(5),
                EIdent = ByteString.CopyFrom(identity.PublicKey),
                ESkeyId = ByteString.CopyFrom(0, 0, 1),
                ESkeyVal = ByteString.CopyFrom(signedPreKey.PublicKey),
                ESkeySig = ByteString.CopyFrom(Curve25519.Sign(identity.PrivateKey, signed)),
            },
        };
    }

    /// <summary>Receives and decodes the next stanza; null once the server closed the connection.</summary>
    public static async Task<Node?> ReceiveNodeAsync(NoiseSocket socket)
    {
        try
        {
            var frame = await socket.ReceiveFrameAsync().WaitAsync(TimeSpan.FromSeconds(10));
            return frame is null ? null : NodeReader.DecodeFrame(frame);
        }
        catch (TransportException)
        {
            return null;
        }
        catch (WebSocketException)
        {
            return null;
        }
    }
}

using System.Buffers;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using WaOrleans.Protocol.Binary;

namespace WaOrleans.Bench;

/// <summary>
/// Times the node codec on a realistic outgoing message stanza; test/Interop/bench/binary.mjs
/// times Baileys on the same stanza (both check the frame's SHA-256).
/// </summary>
// Not sealed: BenchmarkDotNet generates a class that derives from it.
[MemoryDiagnoser]
public class BinaryBenchmarks
{
    /// <summary>The SHA-256 of the encoded stanza, the same constant as in binary.mjs.</summary>
    private const string FrameSha256 = "30c5b5effa703c2b26aaf8bbd5cca66187c331ab11cf4c8b27d88ac49d80fd95";

    private const int EncPayloadSize = 200;
    private const int DeviceIdentitySize = 150;
    private const int Devices = 5;

    private readonly Node _stanza = CreateStanza();
    private readonly ArrayBufferWriter<byte> _output = new();
    private byte[] _frame = [];

    /// <summary>Encodes the stanza once and checks it is byte for byte the one Baileys is timed on.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _frame = NodeWriter.EncodeFrame(_stanza);
        var digest = Convert.ToHexStringLower(SHA256.HashData(_frame));
        if (digest != FrameSha256)
        {
            throw new InvalidOperationException($"the bench stanza differs from binary.mjs's: {digest}");
        }
    }

    /// <summary>Encodes the stanza as a frame into a reused buffer.</summary>
    [Benchmark(Description = "binary.encode")]
    public int Encode()
    {
        _output.ResetWrittenCount();
        NodeWriter.WriteFrame(_stanza, _output);
        return _output.WrittenCount;
    }

    /// <summary>Decodes the stanza's frame.</summary>
    [Benchmark(Description = "binary.decode")]
    public Node Decode() => NodeReader.DecodeFrame(_frame);

    // A 1:1 text message fanned out to five devices, as Baileys sends it (PROTOCOL.md §6.4).
    private static Node CreateStanza()
    {
        var participants = Enumerable.Range(1, Devices).Select(device => new Node(
            "to",
            new Dictionary<string, AttrValue> { ["jid"] = new Jid("15550002222", JidServer.PhoneNumber, (ushort)device) },
            new[] { new Node("enc", new Dictionary<string, AttrValue> { ["v"] = "2", ["type"] = "pkmsg" }, Payload(EncPayloadSize, device)) }));

        return new Node(
            "message",
            new Dictionary<string, AttrValue>
            {
                ["to"] = new Jid("15550001111", JidServer.PhoneNumber),
                ["id"] = "3EB0C5A7D2F1E4B6A9C8",
                ["type"] = "text",
            },
            new[]
            {
                new Node("participants", content: participants.ToArray()),
                new Node("device-identity", content: Payload(DeviceIdentitySize, 0)),
            });
    }

    // The same deterministic bytes as binary.mjs's payload(length, salt).
    private static byte[] Payload(int length, int salt) =>
        [.. Enumerable.Range(0, length).Select(i => (byte)((i * 7) + (salt * 31)))];
}

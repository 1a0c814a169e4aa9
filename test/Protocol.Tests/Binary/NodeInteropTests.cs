using System.Text.Json.Nodes;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Tests.Support;
using Xunit.Abstractions;

namespace WaOrleans.Protocol.Tests.Binary;

// The codec against Baileys' WABinary (test/Interop/ops/binary.mjs), both directions.
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class NodeInteropTests(InteropHarness harness, ITestOutputHelper output)
{
    /// <summary>Batches per direction; with <see cref="BatchSize"/> this makes 10,000 top-level nodes each way.</summary>
    private const int Batches = 20;

    /// <summary>Nodes per harness call, so one JSON line stays a few megabytes.</summary>
    private const int BatchSize = 500;

    private const int Seed = 20_240_601;

    [Fact]
    public async Task Token_tables_and_tags_match_baileys()
    {
        var tables = (await harness.CallAsync("binary.tables"))!;

        var single = tables["single"]!.AsArray().Select(t => t!.GetValue<string>()).ToArray();
        Assert.Equal(single, Enumerable.Range(0, Tokens.SingleByteCount).Select(Tokens.GetSingleByte));
        var dictionaries = tables["double"]!.AsArray();
        Assert.Equal(Tokens.DictionaryCount, dictionaries.Count);
        for (var d = 0; d < Tokens.DictionaryCount; d++)
        {
            var expected = dictionaries[d]!.AsArray().Select(t => t!.GetValue<string>()).ToArray();
            Assert.Equal(expected, Enumerable.Range(0, Tokens.DictionarySize).Select(i => Tokens.GetDoubleByte(d, i)));
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.True(Tokens.TryGetToken(expected[i], out var encoded));
                Assert.Equal(((int)TokenTag.Dictionary0 + d) << 8 | i, encoded);
            }
        }

        for (var i = 1; i < single.Length; i++)
        {
            Assert.True(Tokens.TryGetToken(single[i], out var encoded));
            Assert.Equal(i, encoded);
        }

        var tags = tables["tags"]!.AsObject().ToDictionary(t => t.Key, t => t.Value!.GetValue<int>());
        Assert.Equal(BinaryConstants.PackedMax, tags["PACKED_MAX"]);
        tags.Remove("PACKED_MAX");
        Assert.Equal(tags.OrderBy(t => t.Key), Enum.GetValues<TokenTag>().Select(t => KeyValuePair.Create(ScreamingSnake(t), (int)t)).OrderBy(t => t.Key));
    }

    [Fact]
    public async Task Baileys_encodings_decode_to_baileys_trees_and_reencode_byte_equal()
    {
        var coverage = new NodeCoverage();
        for (var batch = 0; batch < Batches; batch++)
        {
            var items = (await harness.CallAsync("binary.generate", new { seed = Seed + batch, count = BatchSize }))!.AsArray();
            Assert.Equal(BatchSize, items.Count);
            foreach (var item in items)
            {
                var frame = Convert.FromBase64String(item!["frame"]!.GetValue<string>());
                var node = NodeReader.DecodeFrame(frame);
                AssertTree(item["tree"], node, frame);
                AssertBytes(frame, NodeWriter.EncodeFrame(node), node);
                coverage.Add(node);
            }
        }

        Assert.Equal(Batches * BatchSize, coverage.TopLevel);
        coverage.AssertCoversEverything();
        output.WriteLine($"Baileys -> ours: {coverage.TopLevel} frames, {coverage.Nodes} nodes in all");
    }

    [Fact]
    public async Task Our_encodings_decode_in_baileys_to_the_same_trees()
    {
        var coverage = new NodeCoverage();
        for (var batch = 0; batch < Batches; batch++)
        {
            var random = new RandomNodes(Seed + batch);
            var nodes = Enumerable.Range(0, BatchSize).Select(i => random.Next(i)).ToArray();
            var frames = nodes.Select(NodeWriter.EncodeFrame).ToArray();
            var results = (await harness.CallAsync("binary.decode", new { frames = frames.Select(Convert.ToBase64String) }))!.AsArray();
            Assert.Equal(BatchSize, results.Count);
            for (var i = 0; i < nodes.Length; i++)
            {
                var decoded = NodeReader.DecodeFrame(frames[i]);
                Assert.Equal(NodeCoverage.RawTextAsBytes(nodes[i]), decoded);
                AssertTree(results[i]!["tree"], decoded, frames[i]);
                var reencoded = Convert.FromBase64String(results[i]!["reencoded"]!.GetValue<string>());
                AssertBytes(NodeWriter.EncodeFrame(BaileysTree.WithoutAgents(decoded)), reencoded, decoded);
                coverage.Add(decoded);
            }
        }

        Assert.Equal(Batches * BatchSize, coverage.TopLevel);
        coverage.AssertCoversEverything();
        output.WriteLine($"ours -> Baileys: {coverage.TopLevel} frames, {coverage.Nodes} nodes in all");
    }

    [Fact]
    public async Task Messenger_and_interop_jids_decode_in_baileys()
    {
        var random = new RandomNodes(Seed, messengerJids: true);
        var nodes = Enumerable.Range(0, BatchSize).Select(i => random.Next(i, allowBigBytes: false)).ToArray();
        var frames = nodes.Select(NodeWriter.EncodeFrame).ToArray();

        var results = (await harness.CallAsync("binary.decode", new { frames = frames.Select(Convert.ToBase64String) }))!.AsArray();

        var coverage = new NodeCoverage();
        for (var i = 0; i < nodes.Length; i++)
        {
            var decoded = NodeReader.DecodeFrame(frames[i]);
            Assert.Equal(NodeCoverage.RawTextAsBytes(nodes[i]), decoded);
            AssertTree(results[i]!["tree"], decoded, frames[i]);
            coverage.Add(decoded);
        }

        Assert.Contains(JidServer.Messenger, coverage.JidKinds);
        Assert.Contains(JidServer.Interop, coverage.JidKinds);
    }

    [Fact]
    public async Task Compressed_frames_from_the_harness_decode()
    {
        var items = (await harness.CallAsync("binary.generate", new { seed = Seed - 1, count = BatchSize }))!.AsArray();
        var frames = items.Select(item => item!["frame"]!.GetValue<string>()).ToArray();

        var compressed = (await harness.CallAsync("binary.deflate", new { frames }))!.AsArray();

        for (var i = 0; i < frames.Length; i++)
        {
            var frame = Convert.FromBase64String(compressed[i]!.GetValue<string>());
            Assert.Equal(2, frame[0]);
            Assert.Equal(NodeReader.DecodeFrame(Convert.FromBase64String(frames[i])), NodeReader.DecodeFrame(frame));
        }
    }

    private static void AssertTree(JsonNode? expected, Node node, byte[] frame)
    {
        var actual = BaileysTree.Render(node);
        if (!JsonNode.DeepEquals(expected, actual))
        {
            Assert.Fail($"decoded trees differ for frame {Preview(Convert.ToHexString(frame))}\n" +
                $"Baileys: {Preview(expected?.ToJsonString())}\nours:    {Preview(actual.ToJsonString())}");
        }
    }

    private static void AssertBytes(byte[] expected, byte[] actual, Node node)
    {
        var at = expected.AsSpan().CommonPrefixLength(actual);
        if (at != expected.Length || at != actual.Length)
        {
            Assert.Fail($"encodings differ at byte {at} of {expected.Length}/{actual.Length} for {Preview(node.ToString())}\n" +
                $"expected …{Convert.ToHexString(expected.AsSpan(Math.Max(0, at - 16), Math.Min(32, expected.Length - Math.Max(0, at - 16))))}\n" +
                $"actual   …{Convert.ToHexString(actual.AsSpan(Math.Max(0, at - 16), Math.Min(32, actual.Length - Math.Max(0, at - 16))))}");
        }
    }

    private static string Preview(string? text) => text is { Length: > 2000 } ? text[..2000] + "…" : text ?? "null";

    // ListEmpty -> LIST_EMPTY, Dictionary0 -> DICTIONARY_0, Binary20 -> BINARY_20, AdJid -> AD_JID.
    private static string ScreamingSnake(TokenTag tag)
    {
        var name = tag.ToString();
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var boundary = i > 0 && (char.IsUpper(name[i]) || (char.IsDigit(name[i]) && !char.IsDigit(name[i - 1])));
            text.Append(boundary ? "_" : "").Append(char.ToUpperInvariant(name[i]));
        }

        return text.ToString();
    }
}

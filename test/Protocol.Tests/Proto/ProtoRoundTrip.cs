using System.Text.Json.Nodes;
using Google.Protobuf;
using WaOrleans.Protocol.Tests.Support;

namespace WaOrleans.Protocol.Tests.Proto;

/// <summary>Checks one message against the reference encoder and decoder in both directions.</summary>
internal static class ProtoRoundTrip
{
    /// <summary>
    /// Formats messages the way the reference's <c>toObject</c> does: original field names, enums
    /// by name, 64-bit integers as strings, bytes as base64, unset fields omitted.
    /// </summary>
    public static JsonFormatter Formatter { get; } =
        new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));

    /// <summary>
    /// Encodes <paramref name="sample"/> in C# and decodes it with the reference, then encodes the
    /// same content with the reference and parses it in C#; both sides must agree on every field
    /// and produce identical bytes (both write fields in field-number order).
    /// </summary>
    public static async Task AssertAsync(InteropHarness harness, IMessage sample)
    {
        var type = sample.Descriptor.FullName;
        var ours = sample.ToByteArray();
        var json = JsonNode.Parse(Formatter.Format(sample))!;

        var decoded = await harness.CallAsync("proto.decode", new { type, data = InteropHarness.B64(ours) });
        AssertSameJson(json, decoded, $"{type}: C# bytes decoded by the reference");

        var theirs = await harness.CallBytesAsync("proto.encode", new { type, json });
        var parsed = sample.Descriptor.Parser.ParseFrom(theirs);
        Assert.Equal(sample, parsed);
        Assert.Equal(Convert.ToHexString(ours), Convert.ToHexString(theirs));
    }

    /// <summary>Asserts two JSON trees are equal, showing both when they are not.</summary>
    public static void AssertSameJson(JsonNode expected, JsonNode? actual, string what)
    {
        Assert.True(
            JsonNode.DeepEquals(expected, actual),
            $"{what}\nC#:        {expected.ToJsonString()}\nreference: {actual?.ToJsonString()}");
    }
}

using System.Text.Json.Nodes;
using Google.Protobuf.Reflection;
using WaOrleans.Protocol.Tests.Support;

namespace WaOrleans.Protocol.Tests.Proto;

/// <summary>
/// Compares every message, field and enum value of our schemas with the reference definitions:
/// Baileys' WAProto.proto for package <c>proto</c>, libsignal-node's generated
/// WhisperTextProtocol.js for package <c>textsecure</c>.
/// </summary>
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class ProtoSchemaTests(InteropHarness harness)
{
    public static TheoryData<string> MessageNames => new(ProtoSchema.Messages.Select(m => m.FullName));

    public static TheoryData<string> EnumNames => new(ProtoSchema.Enums.Select(e => e.FullName));

    [Theory]
    [MemberData(nameof(MessageNames))]
    public async Task Message_fields_match_the_reference(string fullName)
    {
        var ours = ProtoSchema.Find(fullName);
        var theirs = await ReferenceAsync(fullName);
        Assert.Equal("message", theirs["kind"]!.GetValue<string>());
        var reference = theirs["fields"]!.AsArray().ToDictionary(f => f!["number"]!.GetValue<int>(), f => f!);

        var problems = new List<string>();
        foreach (var field in ours.Fields.InFieldNumberOrder())
        {
            if (!reference.TryGetValue(field.FieldNumber, out var other))
            {
                problems.Add($"{field.Name} = {field.FieldNumber}: no such field number in the reference");
                continue;
            }

            problems.AddRange(Compare(field, other!).Select(p => $"{field.Name} = {field.FieldNumber}: {p}"));
        }

        Assert.True(problems.Count == 0, $"{fullName}:\n" + string.Join('\n', problems));
    }

    [Theory]
    [MemberData(nameof(EnumNames))]
    public async Task Enum_values_match_the_reference_completely(string fullName)
    {
        var ours = ProtoSchema.Enums.Single(e => e.FullName == fullName);
        var theirs = await ReferenceAsync(fullName);
        Assert.Equal("enum", theirs["kind"]!.GetValue<string>());

        var expected = theirs["values"]!.AsObject()
            .Select(kv => (kv.Key, kv.Value!.GetValue<int>()))
            .OrderBy(v => v.Item2).ThenBy(v => v.Key, StringComparer.Ordinal);
        var actual = ours.Values
            .Select(v => (v.Name, v.Number))
            .OrderBy(v => v.Number).ThenBy(v => v.Name, StringComparer.Ordinal);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Every_generated_file_is_compared()
    {
        var generated = typeof(WaOrleans.Protocol.Proto.HandshakeMessage).Assembly.GetTypes()
            .Where(t => t.Namespace == "WaOrleans.Protocol.Proto" && t.Name.EndsWith("Reflection", StringComparison.Ordinal))
            .Select(t => ((FileDescriptor)t.GetProperty("Descriptor")!.GetValue(null)!).Name);
        Assert.Equal(generated.Order(StringComparer.Ordinal), ProtoSchema.Files.Select(f => f.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_file_uses_the_gateway_namespace()
    {
        foreach (var file in ProtoSchema.Files)
        {
            Assert.Equal("WaOrleans.Protocol.Proto", file.GetOptions().CsharpNamespace);
        }
    }

    private async Task<JsonObject> ReferenceAsync(string fullName)
    {
        var result = await harness.CallAsync("proto.schema", new { names = new[] { fullName } });
        var node = result![fullName];
        Assert.True(node is not null, $"{fullName} does not exist in the reference schema");
        return node.AsObject();
    }

    private static IEnumerable<string> Compare(FieldDescriptor field, JsonNode other)
    {
        var name = other["name"]!.GetValue<string>();
        if (name != field.Name)
        {
            yield return $"name is {name} in the reference";
        }

        var type = other["type"]!.GetValue<string>();
        if (type != ProtoSchema.TypeName(field))
        {
            yield return $"type {ProtoSchema.TypeName(field)} but {type} in the reference";
        }

        var label = other["label"]!.GetValue<string>();
        var ourLabel = field.IsMap ? "map" : field.IsRepeated ? "repeated" : field.IsRequired ? "required" : "singular";
        var theirShape = label is "map" or "repeated" or "required" ? label : "singular";
        if (ourLabel != theirShape)
        {
            yield return $"{ourLabel} but {label} in the reference";
        }

        // Presence decides whether a set zero value is written. WAProto's plain proto3 fields are
        // proto2 `required` at WhatsApp, so explicit presence on our side is the faithful choice;
        // the reverse (reference tracks presence, we do not) would silently drop set zeros.
        if (label is "optional" or "required" && !field.HasPresence)
        {
            yield return "the reference tracks presence (optional) but ours does not";
        }

        var oneof = other["oneof"]?.GetValue<string>();
        if (oneof != field.RealContainingOneof?.Name)
        {
            yield return $"oneof {field.RealContainingOneof?.Name ?? "(none)"} but {oneof ?? "(none)"} in the reference";
        }

        if (field.IsRepeated && ProtoSchema.IsPackable(field) && other["packed"]!.GetValue<bool>() != field.IsPacked)
        {
            yield return $"packed={field.IsPacked} but packed={other["packed"]} in the reference";
        }
    }
}

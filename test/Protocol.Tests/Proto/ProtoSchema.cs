using Google.Protobuf.Reflection;
using WaOrleans.Protocol.Proto;

namespace WaOrleans.Protocol.Tests.Proto;

/// <summary>Walks the descriptors generated from <c>src/Protocol/Proto/*.proto</c>.</summary>
internal static class ProtoSchema
{
    /// <summary>Every generated .proto file.</summary>
    public static IReadOnlyList<FileDescriptor> Files { get; } =
    [
        HandshakeReflection.Descriptor,
        AdvReflection.Descriptor,
        SignalWireReflection.Descriptor,
        SenderKeyReflection.Descriptor,
        MessageReflection.Descriptor,
        WebReflection.Descriptor,
        MediaReflection.Descriptor,
    ];

    /// <summary>Every message type, top-level and nested, in declaration order.</summary>
    public static IReadOnlyList<MessageDescriptor> Messages { get; } =
        Files.SelectMany(f => f.MessageTypes).SelectMany(Flatten).ToList();

    /// <summary>Every enum type, top-level and nested.</summary>
    public static IReadOnlyList<EnumDescriptor> Enums { get; } =
        Files.SelectMany(f => f.EnumTypes).Concat(Messages.SelectMany(m => m.EnumTypes)).ToList();

    /// <summary>Finds a message type by its full protobuf name (e.g. <c>proto.Message.ImageMessage</c>).</summary>
    public static MessageDescriptor Find(string fullName) =>
        Messages.Single(m => m.FullName == fullName);

    /// <summary>The .proto spelling of a field's type: a scalar keyword, or the full name of a message or enum.</summary>
    public static string TypeName(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Message or FieldType.Group => field.MessageType.FullName,
        FieldType.Enum => field.EnumType.FullName,
        FieldType.SFixed32 => "sfixed32",
        FieldType.SFixed64 => "sfixed64",
        FieldType.SInt32 => "sint32",
        FieldType.SInt64 => "sint64",
        FieldType.UInt32 => "uint32",
        FieldType.UInt64 => "uint64",
        _ => field.FieldType.ToString().ToLowerInvariant(),
    };

    /// <summary>Whether a repeated field of this type can use the packed encoding.</summary>
    public static bool IsPackable(FieldDescriptor field) =>
        field.FieldType is not (FieldType.String or FieldType.Bytes or FieldType.Message or FieldType.Group);

    private static IEnumerable<MessageDescriptor> Flatten(MessageDescriptor message) =>
        new[] { message }.Concat(message.NestedTypes.SelectMany(Flatten));
}

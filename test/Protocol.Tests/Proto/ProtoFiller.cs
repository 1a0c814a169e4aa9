using System.Collections;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace WaOrleans.Protocol.Tests.Proto;

/// <summary>
/// Builds a message with every field set, recursively, from its descriptor, so a round trip
/// through the reference implementation exercises each field of the schema.
/// </summary>
/// <remarks>
/// Values sit at the awkward ends of each type (negative varints, the top of the unsigned
/// ranges, non-ASCII strings, the last enum value) because that is where encoders disagree.
/// Recursion stops at a type already on the path (Message → ContextInfo → quotedMessage), which
/// that type's own root sample covers.
/// </remarks>
internal static class ProtoFiller
{
    /// <summary>Creates an instance of <paramref name="descriptor"/> with every field set.</summary>
    public static IMessage Fill(MessageDescriptor descriptor) => Fill(descriptor, []);

    private static IMessage Fill(MessageDescriptor descriptor, HashSet<string> path)
    {
        var message = descriptor.Parser.ParseFrom(ByteString.Empty);
        path.Add(descriptor.FullName);
        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            if (field.FieldType == FieldType.Message && path.Contains(field.MessageType.FullName))
            {
                continue;
            }

            if (field.IsRepeated)
            {
                var list = (IList)field.Accessor.GetValue(message);
                list.Add(Value(field, field.FieldNumber, path));
                list.Add(Value(field, field.FieldNumber + 1, path));
            }
            else
            {
                field.Accessor.SetValue(message, Value(field, field.FieldNumber, path));
            }
        }

        path.Remove(descriptor.FullName);
        return message;
    }

    private static object Value(FieldDescriptor field, int n, HashSet<string> path) => field.FieldType switch
    {
        FieldType.Double => n + 0.25,
        FieldType.Float => n + 0.5f,
        FieldType.Int64 => -1_000_000_007L * n,
        FieldType.UInt64 or FieldType.Fixed64 => ulong.MaxValue - (ulong)n,
        FieldType.Int32 => -n,
        FieldType.Fixed32 or FieldType.UInt32 => uint.MaxValue - (uint)n,
        FieldType.Bool => true,
        FieldType.String => $"{field.Name} ü😀 {n}",
        FieldType.Bytes => ByteString.CopyFrom([(byte)n, 0x00, 0xFF, 0x80, .. Encoding.UTF8.GetBytes(field.Name)]),
        FieldType.SFixed32 or FieldType.SInt32 => int.MinValue + n,
        FieldType.SFixed64 or FieldType.SInt64 => long.MinValue + n,
        FieldType.Enum => Enum.ToObject(field.EnumType.ClrType, field.EnumType.Values[^1].Number),
        FieldType.Message => Fill(field.MessageType, path),
        _ => throw new NotSupportedException($"{field.FullName}: {field.FieldType}"),
    };
}

using System.Globalization;
using WaOrleans.Protocol.Binary;

namespace WaOrleans.Simulator;

/// <summary>Builds the server's stanzas: nodes with attributes in wire order, iq replies and stream errors.</summary>
internal static class Stanza
{
    /// <summary>Creates a node from a tag, attributes in order, and optional content.</summary>
    public static Node Make(string tag, NodeContent content = default, params ReadOnlySpan<(string Key, AttrValue Value)> attrs)
    {
        var map = new Dictionary<string, AttrValue>(attrs.Length, StringComparer.Ordinal);
        foreach (var (key, value) in attrs)
        {
            map[key] = value;
        }

        return new Node(tag, map, content);
    }

    /// <summary>Answers a client iq with <c>type="result"</c>, the same id and the given children.</summary>
    public static Node Result(Node iq, params Node[] children) =>
        Make("iq", children.Length == 0 ? default : NodeContent.FromChildren(children),
            ("from", Jid.ServerJid), ("type", "result"), ("id", iq.GetAttr("id") ?? ""));

    /// <summary>Answers a client iq with <c>type="error"</c> and an <c>&lt;error code text/&gt;</c> child.</summary>
    public static Node Error(Node iq, int code, string text) =>
        Make("iq", NodeContent.FromChildren(Make("error", default, ("code", Number(code)), ("text", text))),
            ("from", Jid.ServerJid), ("type", "error"), ("id", iq.GetAttr("id") ?? ""));

    /// <summary>Creates <c>&lt;stream:error code="N"/&gt;</c>, with a <c>conflict</c> child for 401 and 440 (PROTOCOL.md §9.6).</summary>
    public static Node StreamError(int code) => code switch
    {
        SimConstants.StreamDeviceRemoved => Make("stream:error",
            NodeContent.FromChildren(Make("conflict", default, ("type", "device_removed"))), ("code", Number(code))),
        // The real server names a replaced session by the conflict child alone; Baileys maps it to 440.
        SimConstants.StreamReplaced => Make("stream:error", NodeContent.FromChildren(Make("conflict", default, ("type", "replaced")))),
        _ => Make("stream:error", default, ("code", Number(code))),
    };

    /// <summary>Formats a number the way attributes carry it.</summary>
    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Returns a child's bytes, or null when the child is missing or holds no bytes.</summary>
    public static byte[]? ChildBytes(Node node, string tag)
    {
        var child = node.GetChild(tag);
        if (child is null)
        {
            return null;
        }

        if (child.Content.TryGetBytes(out var bytes))
        {
            return bytes.ToArray();
        }

        return child.Content.TryGetText(out var text) ? System.Text.Encoding.UTF8.GetBytes(text) : null;
    }
}

using System.Text.Json.Nodes;
using WaOrleans.Protocol.Binary;

namespace WaOrleans.Protocol.Tests.Binary;

/// <summary>
/// Renders nodes as the JSON trees of <c>test/Interop/ops/binary.mjs</c>: what Baileys' decoder
/// yields for the same bytes (attribute values as text, BINARY_x content as bytes).
/// </summary>
internal static class BaileysTree
{
    /// <summary>Renders <paramref name="node"/> the way the harness renders Baileys' decoded node.</summary>
    public static JsonObject Render(Node node) => new()
    {
        ["tag"] = node.Tag,
        ["attrs"] = new JsonArray([.. node.Attrs.Select(a => new JsonArray(a.Key, Text(a.Value)))]),
        ["content"] = node.Content.Kind switch
        {
            NodeContentKind.None => null,
            NodeContentKind.Children => new JsonObject { ["nodes"] = new JsonArray([.. node.Children.Select(Render)]) },
            NodeContentKind.Bytes => new JsonObject { ["bytes"] = Convert.ToBase64String(Bytes(node)) },
            NodeContentKind.Text => new JsonObject { ["text"] = node.Content.ToString() },
            _ => new JsonObject { ["text"] = Text(ContentJid(node)) },
        },
    };

    /// <summary>Returns the text Baileys' decoder produces for a JID.</summary>
    public static string Text(Jid jid) => jid.Server switch
    {
        // readFbJid and readInteropJid always print the device.
        JidServer.Messenger => $"{jid.User}:{jid.Device}@{jid.Server}",
        JidServer.Interop => $"{jid.Integrator}-{jid.User}:{jid.Device}@{jid.Server}",
        // readAdJid rebuilds the JID from user, server and device: the raw agent is dropped.
        _ => new Jid(jid.User, jid.Server, jid.Device).ToString(),
    };

    /// <summary>Returns what Baileys re-encodes for a node it decoded: the same node without raw agents.</summary>
    public static Node WithoutAgents(Node node) => node with
    {
        Attrs = node.Attrs.ToDictionary(a => a.Key, a => a.Value.TryGetJid(out var jid) ? new AttrValue(WithoutAgent(jid)) : a.Value),
        Content = node.Content.Kind switch
        {
            NodeContentKind.Children => NodeContent.FromChildren(node.Children.Select(WithoutAgents)),
            NodeContentKind.Jid => WithoutAgent(ContentJid(node)),
            _ => node.Content,
        },
    };

    private static string Text(AttrValue value) => value.TryGetJid(out var jid) ? Text(jid) : value.ToString();

    private static Jid WithoutAgent(Jid jid) => jid.Agent == 0 ? jid : new Jid(jid.User, jid.Server, jid.Device);

    private static byte[] Bytes(Node node) => node.Content.TryGetBytes(out var bytes) ? bytes.ToArray() : [];

    private static Jid ContentJid(Node node) => node.Content.TryGetJid(out var jid) ? jid : default;
}

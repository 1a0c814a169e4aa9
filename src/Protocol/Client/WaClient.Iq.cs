using System.Globalization;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Noise;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// Sending stanzas and correlating iq requests with their replies: the one owner of the pending-iq
/// table. Replies are resolved by the receive loop; <c>type="error"</c> becomes <see cref="IqException"/>.
/// </summary>
public sealed partial class WaClient
{
    /// <summary>
    /// Sends an iq on the current connection and returns the server's <c>type="result"</c> reply.
    /// For queries this client does not wrap yet.
    /// </summary>
    /// <exception cref="IqException">The server answered with an error.</exception>
    /// <exception cref="TimeoutException">No answer came within the request's timeout.</exception>
    /// <exception cref="TransportException">There is no connection, or it ended before the answer.</exception>
    public Task<Node> QueryAsync(IqRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var connection = _connection ?? throw new TransportException(TransportErrorKind.Closed, "the client is not connected");
        return SendIqAsync(connection, request, cancellationToken);
    }

    /// <summary>Sends an iq on <paramref name="connection"/> and waits for its reply.</summary>
    private async Task<Node> SendIqAsync(ClientConnection connection, IqRequest request, CancellationToken cancellationToken = default)
    {
        var id = NextId();
        var reply = new TaskCompletionSource<Node>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingIqs[id] = reply;
        try
        {
            var attrs = new Dictionary<string, AttrValue>(StringComparer.Ordinal)
            {
                ["id"] = id,
                ["xmlns"] = request.Namespace,
                ["type"] = request.Type,
                ["to"] = request.To ?? Jid.ServerJid,
            };
            var content = request.Content.Count == 0 ? NodeContent.None : NodeContent.FromChildren(request.Content);
            await SendNodeAsync(connection, new Node("iq", attrs, content), cancellationToken).ConfigureAwait(false);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connection.Token);
            Node node;
            try
            {
                node = await reply.Task.WaitAsync(request.Timeout ?? _options.QueryTimeout, _time, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TransportException(TransportErrorKind.Closed, $"the connection ended before the {request.Namespace} iq was answered");
            }

            return node.GetAttr("type") == "error" ? throw ToIqException(node) : node;
        }
        finally
        {
            _pendingIqs.TryRemove(id, out _);
        }
    }

    /// <summary>Completes the pending request a reply belongs to; false if the node is no awaited reply.</summary>
    private bool TryResolveIq(Node node)
    {
        if (node.Tag != "iq" || node.GetAttr("type") is not ("result" or "error") || node.GetAttr("id") is not { } id)
        {
            return false;
        }

        return _pendingIqs.TryRemove(id, out var pending) && pending.TrySetResult(node);
    }

    private void FailPendingIqs()
    {
        foreach (var id in _pendingIqs.Keys)
        {
            if (_pendingIqs.TryRemove(id, out var pending))
            {
                pending.TrySetException(new TransportException(TransportErrorKind.Closed, "the connection ended before the iq was answered"));
            }
        }
    }

    private static IqException ToIqException(Node reply)
    {
        var error = reply.GetChild("error");
        var code = int.TryParse(error?.GetAttr("code"), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
        return new IqException(code, error?.GetAttr("text") ?? "", error);
    }

    /// <summary>Encodes a stanza and sends it; the Noise socket writes one frame at a time.</summary>
    private static Task SendNodeAsync(ClientConnection connection, Node node, CancellationToken cancellationToken = default) =>
        connection.Socket.SendFrameAsync(NodeWriter.EncodeFrame(node), cancellationToken);

    /// <summary>Answers a server iq with an empty <c>type="result"</c>.</summary>
    private static Task SendIqResultAsync(ClientConnection connection, Node iq, params Node[] children)
    {
        var attrs = new Dictionary<string, AttrValue>(StringComparer.Ordinal)
        {
            ["to"] = iq.Attrs.TryGetValue("from", out var from) ? from : Jid.ServerJid,
            ["type"] = "result",
            ["id"] = iq.GetAttr("id") ?? "",
        };
        return SendNodeAsync(connection, new Node("iq", attrs, children.Length == 0 ? NodeContent.None : NodeContent.FromChildren(children)));
    }

    /// <summary>Answers a server iq with <c>type="error"</c> and <c>&lt;error code text/&gt;</c>, as whatsmeow does for a refused pairing.</summary>
    private static Task SendIqErrorAsync(ClientConnection connection, Node iq, int code, string text)
    {
        var attrs = new Dictionary<string, AttrValue>(StringComparer.Ordinal)
        {
            ["to"] = iq.Attrs.TryGetValue("from", out var from) ? from : Jid.ServerJid,
            ["type"] = "error",
            ["id"] = iq.GetAttr("id") ?? "",
        };
        var error = new Node("error", new Dictionary<string, AttrValue>(StringComparer.Ordinal)
        {
            ["code"] = code.ToString(CultureInfo.InvariantCulture),
            ["text"] = text,
        });
        return SendNodeAsync(connection, new Node("iq", attrs, NodeContent.FromChildren(error)));
    }
}

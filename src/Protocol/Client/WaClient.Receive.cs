using System.Collections.Frozen;
using System.Globalization;
using WaOrleans.Protocol.Binary;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// Inbound stanzas: one table keyed by tag routes each to its handler, which lives in its feature
/// file. Handlers run one at a time in arrival order; an exception is logged and the loop goes on.
/// </summary>
public sealed partial class WaClient
{
    /// <summary>Failure reasons that mean the device was logged out (PROTOCOL.md §9.6; Baileys' UNAUTHORIZED_CODES plus whatsmeow's 406).</summary>
    private static readonly FrozenSet<int> LoggedOutCodes = FrozenSet.Create(401, 403, 406, 419);

    /// <summary>Codes after which reconnecting is expected to work (PROTOCOL.md §9.6).</summary>
    private static readonly FrozenSet<int> TransientCodes = FrozenSet.Create(408, 428, 500, 503);

    /// <summary>The handler of each inbound tag; built once for all clients, as each idle session would otherwise hold its own copy.</summary>
    private static readonly FrozenDictionary<string, Func<WaClient, ClientConnection, Node, Task>> NodeHandlers =
        new Dictionary<string, Func<WaClient, ClientConnection, Node, Task>>(StringComparer.Ordinal)
        {
            ["iq"] = static (c, connection, node) => c.HandleServerIqAsync(connection, node),
            ["success"] = static (c, connection, node) => c.HandleSuccessAsync(connection, node),
            ["failure"] = static (c, connection, node) => c.HandleFailureAsync(connection, node),
            ["stream:error"] = static (c, connection, node) => c.HandleStreamErrorAsync(connection, node),
            ["xmlstreamend"] = static (c, connection, node) => c.HandleStreamEndAsync(connection, node),
            ["notification"] = static (c, connection, node) => c.HandleNotificationAsync(connection, node),
            ["receipt"] = static (c, connection, node) => c.HandleReceiptAsync(connection, node),
            ["message"] = static (c, connection, node) => c.HandleMessageAsync(connection, node),
            ["call"] = static (c, connection, node) => c.HandleCallAsync(connection, node),
            ["presence"] = static (c, connection, node) => c.HandlePresenceAsync(connection, node),
            ["chatstate"] = static (c, connection, node) => c.HandleChatStateAsync(connection, node),
            // Offline counts, dirty bits and edge routing need nothing from this client yet.
            ["ib"] = static (_, _, _) => Task.CompletedTask,
            ["ack"] = static (_, _, _) => Task.CompletedTask,
        }.ToFrozenDictionary(StringComparer.Ordinal);

    private async Task HandleLoopAsync(ClientConnection connection)
    {
        await foreach (var node in connection.Inbox.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            if (!NodeHandlers.TryGetValue(node.Tag, out var handler))
            {
                LogMessages.UnhandledNode(_logger, node.Tag);
                continue;
            }

            try
            {
                await handler(this, connection, node).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // One bad stanza or handler bug must not kill the connection (STYLE.md 11).
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogMessages.HandlerFailed(_logger, ex, node.Tag);
            }

            if (!connection.Inbox.Reader.TryPeek(out _))
            {
                // Nothing else queued: remove the stored copies of what was acked (under load they
                // ride along with the next decrypt's commit instead).
                await FlushAckedPendingAsync().ConfigureAwait(false);
            }
        }

        await FlushAckedPendingAsync().ConfigureAwait(false);
    }

    /// <summary>Server-initiated iqs: pairing steps and pings.</summary>
    private async Task HandleServerIqAsync(ClientConnection connection, Node iq)
    {
        if (iq.GetAttr("type") is not ("get" or "set"))
        {
            // A reply nobody waits for any more (timed out, or its connection ended).
            return;
        }

        if (iq.GetChild("pair-device") is { } pairDevice)
        {
            await HandlePairDeviceAsync(connection, iq, pairDevice).ConfigureAwait(false);
        }
        else if (iq.GetChild("pair-success") is { } pairSuccess)
        {
            await HandlePairSuccessAsync(connection, iq, pairSuccess).ConfigureAwait(false);
        }
        else if (iq.GetChild("ping") is not null)
        {
            await SendIqResultAsync(connection, iq).ConfigureAwait(false);
        }
        else
        {
            LogMessages.UnhandledNode(_logger, "iq/" + (iq.Children.Count > 0 ? iq.Children[0].Tag : "-"));
        }
    }

    private async Task HandleStreamErrorAsync(ClientConnection connection, Node node)
    {
        var code = int.TryParse(node.GetAttr("code"), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
        var conflict = node.GetChild("conflict")?.GetAttr("type");
        LogMessages.StreamError(_logger, code, conflict);
        var outcome = (code, conflict) switch
        {
            (515, _) => new ConnectionOutcome(OutcomeKind.Restart, "restart required (515)", code),
            (_, "device_removed") => new ConnectionOutcome(OutcomeKind.LoggedOut, "401 device_removed", 401),
            (_, "replaced") or (440, _) => new ConnectionOutcome(OutcomeKind.Replaced, "440 replaced", 440),
            _ when LoggedOutCodes.Contains(code) => new ConnectionOutcome(OutcomeKind.LoggedOut, $"stream error {code}", code),
            (0, _) => new ConnectionOutcome(OutcomeKind.Retry, "stream error " + (node.Children.Count > 0 ? node.Children[0].Tag : "without code")),
            _ => new ConnectionOutcome(OutcomeKind.Retry, $"stream error {code}", code),
        };
        await connection.EndAsync(outcome).ConfigureAwait(false);
    }

    private async Task HandleFailureAsync(ClientConnection connection, Node node)
    {
        var reader = new AttrReader(node);
        var code = reader.GetOptionalInt32("reason") ?? 0;
        ConnectionOutcome outcome;
        if (LoggedOutCodes.Contains(code))
        {
            outcome = new ConnectionOutcome(OutcomeKind.LoggedOut, $"failure {code}", code, OnConnect: true);
        }
        else if (TransientCodes.Contains(code))
        {
            outcome = new ConnectionOutcome(OutcomeKind.Retry, $"failure {code}", code);
        }
        else
        {
            var expire = reader.GetOptionalInt64("expire") is { } seconds ? _time.GetUtcNow().AddSeconds(seconds) : (DateTimeOffset?)null;
            outcome = new ConnectionOutcome(OutcomeKind.Failed, DescribeFailure(code), code, expire);
        }

        await connection.EndAsync(outcome).ConfigureAwait(false);
    }

    private static string DescribeFailure(int code) => code switch
    {
        402 => "temporarily banned",
        405 => "client outdated",
        409 => "bad user agent",
        413 => "CAT expired",
        414 => "CAT invalid",
        415 => "not found",
        _ => $"connection refused ({code})",
    };

    private Task HandleStreamEndAsync(ClientConnection connection, Node node) =>
        connection.EndAsync(new ConnectionOutcome(OutcomeKind.Retry, "stream ended by the server (428)", 428));

    private async Task HandleNotificationAsync(ClientConnection connection, Node node)
    {
        switch (node.GetAttr("type"))
        {
            case "encrypt" when node.GetChild("count") is { } count:
                await SendAckAsync(connection, node).ConfigureAwait(false);
                await HandlePreKeyCountNotificationAsync(connection, count).ConfigureAwait(false);
                break;
            case "devices":
                InvalidateDevices(node);
                await SendAckAsync(connection, node).ConfigureAwait(false);
                break;
            case "link_code_companion_reg":
                // Acked first: the companion_finish iq that follows may take the phone a while.
                await SendAckAsync(connection, node).ConfigureAwait(false);
                await HandlePairingCodeNotificationAsync(connection, node).ConfigureAwait(false);
                break;
            case "w:gp2" or "privacy_token" or "picture":
                // Raised (or stored) before the ack: a crash in between means the server sends it again.
                await HandleChangeNotificationAsync(node).ConfigureAwait(false);
                await SendAckAsync(connection, node).ConfigureAwait(false);
                break;
            default:
                await SendAckAsync(connection, node).ConfigureAwait(false);
                break;
        }
    }

    private Task HandleCallAsync(ClientConnection connection, Node node) => SendAckAsync(connection, node);

    /// <summary>Acks a notification, receipt or call (PROTOCOL.md §7.4): <c>&lt;ack id to=from class=tag [type] [participant]/&gt;</c>.</summary>
    private Task SendAckAsync(ClientConnection connection, Node node)
    {
        var attrs = new Dictionary<string, AttrValue>(StringComparer.Ordinal)
        {
            ["id"] = node.GetAttr("id") ?? "",
            ["class"] = node.Tag,
        };
        if (node.Attrs.TryGetValue("from", out var from))
        {
            attrs["to"] = from;
        }

        if (node.Attrs.TryGetValue("participant", out var participant))
        {
            attrs["participant"] = participant;
        }

        // A read or delivery receipt's ack names its type; a plain delivery receipt has none.
        if (node.GetAttr("type") is { } type && !(node.Tag == "receipt" && type == "delivery"))
        {
            attrs["type"] = type;
        }

        return SendNodeAsync(connection, new Node("ack", attrs));
    }
}

using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Noise;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// Keepalive (PROTOCOL.md §9.4): a <c>w:p</c> ping every interval, and a connection from which no
/// frame at all arrived for interval + grace is declared dead and dropped, so the client reconnects.
/// </summary>
public sealed partial class WaClient
{
    private async Task KeepAliveLoopAsync(ClientConnection connection)
    {
        var interval = _options.KeepAliveInterval;
        var deadline = interval + _options.KeepAliveGrace;
        try
        {
            while (true)
            {
                await Task.Delay(interval, _time, connection.Token).ConfigureAwait(false);
                var silence = connection.SilenceSince(_time);
                if (silence > deadline)
                {
                    LogMessages.KeepAliveTimeout(_logger, silence);
                    await connection.EndAsync(new ConnectionOutcome(OutcomeKind.Retry, "keepalive timeout (408)", 408)).ConfigureAwait(false);
                    return;
                }

                // Not awaited for its answer: any frame arriving counts as life, the reply included.
                _ = PingAsync(connection, deadline);
            }
        }
        catch (OperationCanceledException)
        {
            // The connection ended.
        }
    }

    private async Task PingAsync(ClientConnection connection, TimeSpan timeout)
    {
        try
        {
            await SendIqAsync(connection, new IqRequest("w:p", "get", null, [new Node("ping")], timeout), connection.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TransportException or TimeoutException or IqException or OperationCanceledException)
        {
            // The silence check above decides whether the connection is dead; a lost ping alone is not proof.
        }
    }
}

using WaOrleans.Protocol.Binary;

namespace WaOrleans.Simulator;

/// <summary>Fault injection (PROTOCOL.md §10.2 step 6): what a real server or network does to a client on a bad day.</summary>
public sealed partial class WaSimServer
{
    /// <summary>The stream-error codes a client must handle (PROTOCOL.md §9.6).</summary>
    private static readonly int[] StreamErrorCodes = [515, 401, 440, 503];

    /// <summary>The longest injectable delay; beyond a minute clients time out anyway (Baileys' queries wait 60 s).</summary>
    private const int MaxDelayMs = 60_000;

    /// <summary>Until when (UTC ticks) a simulated restart refuses new connections.</summary>
    private long _downUntilTicks;

    /// <summary>Gets whether a simulated restart is still refusing connections.</summary>
    private bool IsDown => Options.TimeProvider.GetUtcNow().UtcTicks < Interlocked.Read(ref _downUntilTicks);

    private async Task InjectFaultAsync(string target, FaultRequest request)
    {
        if (request.Kind == "restart-server")
        {
            if (request.DelayMs is < 0 or > MaxDelayMs)
            {
                throw new SimRequestException(400, $"restart-server takes a downtime (delayMs) between 0 and {MaxDelayMs}");
            }

            LogMessages.FaultInjected(Logger, request.Kind, "server");
            var downFor = TimeSpan.FromMilliseconds(request.DelayMs ?? 0);
            Interlocked.Exchange(ref _downUntilTicks, (Options.TimeProvider.GetUtcNow() + downFor).UtcTicks);
            await DropAllConnectionsAsync().ConfigureAwait(false);
            return;
        }

        if (!Jid.TryParse(target, out var jid))
        {
            throw new SimRequestException(400, $"{target} is not a JID");
        }

        var connection = State.FindDevice(jid)?.Connection
            ?? throw new SimRequestException(404, $"{jid} is not a connected device");
        switch (request.Kind)
        {
            case "close":
                await connection.CloseAsync().ConfigureAwait(false);
                break;
            case "stream-error" when request.Code is { } code && StreamErrorCodes.Contains(code):
                await connection.CloseWithAsync(Stanza.StreamError(code)).ConfigureAwait(false);
                break;
            case "stream-error":
                throw new SimRequestException(400, "stream-error needs a code of 515, 401, 440 or 503");
            case "silent":
                connection.GoSilent();
                break;
            case "drop":
                connection.DropOutgoing(request.Count ?? 1);
                break;
            case "delay" when request.DelayMs is > 0 and <= MaxDelayMs:
                connection.DelayOutgoing(TimeSpan.FromMilliseconds(request.DelayMs.Value));
                break;
            case "delay":
                throw new SimRequestException(400, $"delay needs delayMs between 1 and {MaxDelayMs}");
            case "nack":
                connection.NackIncoming(request.Count ?? 1);
                break;
            case "clear":
                connection.ClearFaults();
                break;
            default:
                throw new SimRequestException(400,
                    $"unknown fault kind {request.Kind}: use close, stream-error, silent, drop, delay, nack, clear or restart-server");
        }

        LogMessages.FaultInjected(Logger, request.Kind, jid.ToString());
    }
}

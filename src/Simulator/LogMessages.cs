using Microsoft.Extensions.Logging;
using WaOrleans.Protocol.Binary;

namespace WaOrleans.Simulator;

/// <summary>The simulator's log lines. They name devices and reasons; never keys or payloads.</summary>
internal static partial class LogMessages
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "WaSim listening on {BaseUri}")]
    public static partial void Listening(ILogger logger, Uri baseUri);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Rejected a connection during the handshake: {Reason}")]
    public static partial void HandshakeRejected(ILogger logger, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "{Connection} sent an undecodable node: {Reason}")]
    public static partial void UndecodableNode(ILogger logger, SimConnection connection, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "{Connection} failed: {Reason}")]
    public static partial void ConnectionFailed(ILogger logger, SimConnection connection, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Paired {Device}")]
    public static partial void DevicePaired(ILogger logger, Jid device);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "{Device} logged in")]
    public static partial void DeviceLoggedIn(ILogger logger, Jid device);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Refused login of {Phone} device {DeviceId}: unknown device or wrong Noise key")]
    public static partial void LoginRefused(ILogger logger, string phone, uint deviceId);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "Unlinked {Device}")]
    public static partial void DeviceUnlinked(ILogger logger, Jid device);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "A simulated phone cannot encrypt to {Device}: {Reason}")]
    public static partial void PhoneCannotEncrypt(ILogger logger, Jid device, string reason);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "Injected fault {Kind} on {Target}")]
    public static partial void FaultInjected(ILogger logger, string kind, string target);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Could not save the state to {Directory}: {Reason}")]
    public static partial void SaveFailed(ILogger logger, string directory, string reason);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Restored {Accounts} accounts and {Groups} groups from {Directory}")]
    public static partial void Restored(ILogger logger, int accounts, int groups, string directory);
}

using Microsoft.Extensions.Logging;

namespace WaOrleans.Api.Dashboard;

/// <summary>The dashboard's log lines; never the user name's password or a key.</summary>
internal static partial class LogMessages
{
    /// <summary>The event id of a refused password sign-in.</summary>
    public const int LoginRejected = 7101;

    [LoggerMessage(EventId = LoginRejected, Level = LogLevel.Warning, Message = "Dashboard sign-in refused: wrong user or password")]
    public static partial void DashboardLoginRejected(this ILogger logger);
}

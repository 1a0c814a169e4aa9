using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace WaOrleans.Cluster.Tests;

/// <summary>
/// Records when WaSim logs a device in (its log event 6), so a test sees every login of every
/// device with its time: a failover is the first login after a kill, a duplicate activation shows
/// as more logins (WhatsApp, and WaSim, replace the older connection on each).
/// </summary>
public sealed class LoginRecorder : ILoggerProvider, ILogger
{
    private const int DeviceLoggedInEventId = 6;

    private readonly ConcurrentQueue<(string Device, DateTime At)> _logins = new();

    /// <summary>Gets the logins of devices of <paramref name="phone"/> at or after <paramref name="since"/>.</summary>
    public IReadOnlyList<DateTime> LoginsOf(string phone, DateTime since) =>
        [.. _logins.Where(l => l.Device.StartsWith(phone, StringComparison.Ordinal) && l.At >= since).Select(l => l.At)];

    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => this;

    /// <inheritdoc/>
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    /// <inheritdoc/>
    public bool IsEnabled(LogLevel logLevel) => true;

    /// <inheritdoc/>
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Id == DeviceLoggedInEventId && state is IReadOnlyList<KeyValuePair<string, object?>> values
            && values.FirstOrDefault(v => v.Key == "Device").Value is { } device)
        {
            _logins.Enqueue((device.ToString()!, DateTime.UtcNow));
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}

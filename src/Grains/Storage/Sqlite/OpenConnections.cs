using System.Collections.Concurrent;

namespace WaOrleans.Grains.Storage.Sqlite;

/// <summary>
/// Open connections kept between uses with the statements they prepared, most recently used first.
/// Microsoft.Data.Sqlite pools native connections but finalizes a connection's statements when it
/// closes and keeps none from one command to the next (dotnet/efcore#14044), so every statement
/// was compiled again at every use: about half the cost of the short statements a message runs.
/// </summary>
internal sealed class OpenConnections(int capacity)
{
    private readonly ConcurrentStack<WriterTurnConnection> _idle = new();
    private int _count;
    private volatile bool _closed;

    /// <summary>Takes a kept connection, open and idle; null when none is kept.</summary>
    public WriterTurnConnection? TryTake()
    {
        if (!_idle.TryPop(out var connection))
        {
            return null;
        }

        Interlocked.Decrement(ref _count);
        return connection;
    }

    /// <summary>Keeps an idle open connection unless enough are kept or the storage closed.</summary>
    public bool TryKeep(WriterTurnConnection connection)
    {
        if (_closed || Interlocked.Increment(ref _count) > capacity)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }

        _idle.Push(connection);
        if (_closed)
        {
            CloseKept();
        }

        return true;
    }

    /// <summary>Closes the kept connections; none is kept from now on.</summary>
    public void Close()
    {
        _closed = true;
        CloseKept();
    }

    private void CloseKept()
    {
        while (TryTake() is { } connection)
        {
            connection.Dispose();
        }
    }
}

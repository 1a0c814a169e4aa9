using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace WaOrleans.Grains.Hosting;

/// <summary>
/// Turns database failures inside a grain call into <see cref="GatewayException"/>
/// (<see cref="GatewayErrorKind.Unavailable"/>, <c>storage_unavailable</c>). Driver exceptions
/// (<c>PostgresException</c>, <c>SqliteException</c>) have no Orleans codec, so without this the
/// caller would get a <c>CodecNotFoundException</c> instead of an error it can act on (retry). The
/// original is logged here, on the silo; connection strings are not part of driver messages.
/// </summary>
internal sealed class StorageErrorFilter(ILogger<StorageErrorFilter> logger) : IIncomingGrainCallFilter
{
    /// <summary>The code the caller sees.</summary>
    public const string Code = "storage_unavailable";

    /// <inheritdoc/>
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke().ConfigureAwait(true);
        }
        catch (Exception e) when (FromDatabase(e) is { } database)
        {
            logger.StorageUnavailable(
                e,
                context.InterfaceName,
                context.MethodName,
                context.TargetId.ToString(),
                database.GetType().Name,
                (database as DbException)?.SqlState);
            throw Unavailable();
        }
    }

    /// <summary>The exception every database failure becomes.</summary>
    public static GatewayException Unavailable() =>
        new(GatewayErrorKind.Unavailable, Code, "the database is not reachable; try again");

    /// <summary>
    /// The database failure in <paramref name="e"/>: a <see cref="DbException"/> (itself or inside it),
    /// or a <see cref="TimeoutException"/> a database driver threw (a pool or command timeout).
    /// </summary>
    internal static Exception? FromDatabase(Exception e)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case GatewayException:
                    return null;
                case DbException:
                    return current;
                case TimeoutException when IsDriver(current):
                    return current;
                default:
                    break;
            }
        }

        return null;
    }

    private static bool IsDriver(Exception e) =>
        e.Source is { } source && (source.StartsWith("Npgsql", StringComparison.Ordinal) || source.StartsWith("Microsoft.Data.Sqlite", StringComparison.Ordinal));
}

using Orleans.Runtime;

namespace WaOrleans.Cluster.Tests;

/// <summary>
/// What the cluster tests share: finding the repository and the build, and calling a cluster that
/// is changing under the test (a killed silo's gateway answers "not yet", not "failed").
/// </summary>
internal static class ClusterCalls
{
    private static readonly TimeSpan RetryTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Gets the configuration the tests were built with (Debug or Release), so the silos run the same build.</summary>
    public static string BuildConfiguration() =>
        new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    /// <summary>Gets the repository root (the folder holding WaOrleans.sln above the test assembly).</summary>
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "WaOrleans.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("WaOrleans.sln not found above the test assembly");
    }

    /// <summary>Calls the cluster, retrying while the client still tries the gateway of a silo that just left.</summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> call)
    {
        var deadline = DateTime.UtcNow + RetryTimeout;
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (IsTransient(e) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(RetryInterval);
            }
        }
    }

    /// <summary>Gets whether a call failed because a silo, its gateway or the database is (still) unreachable, also when another exception wraps it.</summary>
    public static bool IsTransient(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            // A grain whose database call failed answers storage_unavailable: "try again" by contract.
            // The calls pass no cancellation token, so a cancellation is the runtime giving up on
            // its own call, as a directory lookup on a silo just killed does while placing a grain.
            if (current is SiloUnavailableException or Orleans.Runtime.Messaging.ConnectionFailedException or TimeoutException or OrleansMessageRejectionException
                or OperationCanceledException
                or WaOrleans.Grains.GatewayException { Kind: WaOrleans.Grains.GatewayErrorKind.Unavailable })
            {
                return true;
            }

            if (current is AggregateException { InnerExceptions.Count: > 1 } many)
            {
                return many.InnerExceptions.All(IsTransient);
            }
        }

        return false;
    }

    /// <summary>Waits until a condition holds, or throws a <see cref="TimeoutException"/> naming what was awaited.</summary>
    public static Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        WaitUntilAsync(() => Task.FromResult(condition()), timeout, what);

    /// <summary>Waits until a condition holds, or throws a <see cref="TimeoutException"/> naming what was awaited.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await TryAsync(condition))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(RetryInterval);
        }

        // While the cluster changes, the client's call may go through the gateway of a silo just
        // killed; that is a "not yet", and the deadline decides.
        static async Task<bool> TryAsync(Func<Task<bool>> condition)
        {
            try
            {
                return await condition();
            }
            catch (Exception e) when (IsTransient(e))
            {
                return false;
            }
        }
    }

    /// <summary>Waits until the cluster has exactly <paramref name="count"/> active silos.</summary>
    public static async Task WaitForActiveSilosAsync(IClusterClient grains, int count)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        await WaitUntilAsync(async () => (await management.GetHosts(onlyActive: true)).Count == count, RetryTimeout, $"{count} active silos");
    }
}

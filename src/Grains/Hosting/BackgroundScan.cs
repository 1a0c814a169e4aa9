namespace WaOrleans.Grains.Hosting;

/// <summary>
/// Reads the ids a background scan of the silo works through (sessions to bring back, broadcasts
/// to resume), trying again after a failure until it succeeds or the silo stops. A scan that gave
/// up on one failed read would leave those sessions or jobs asleep until their reminders, and with
/// in-memory reminders on a single node, until the next restart.
/// </summary>
internal static class BackgroundScan
{
    /// <summary>The wait between two attempts to read the list.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    /// <summary>Returns what <paramref name="list"/> read, or null once <paramref name="stopping"/> is cancelled; <paramref name="failed"/> hears of each failed attempt.</summary>
    public static async Task<IReadOnlyList<string>?> ListAsync(Func<CancellationToken, Task<IReadOnlyList<string>>> list, Action<Exception> failed, CancellationToken stopping)
    {
        while (true)
        {
            try
            {
                return await list(stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                // Including an OperationCanceledException that is not ours (a cancelled database command).
                failed(e);
            }
            catch (OperationCanceledException)
            {
                return null;
            }

            try
            {
                await Task.Delay(RetryDelay, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
    }
}

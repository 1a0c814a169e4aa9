using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WaOrleans.Grains.Tenants;

namespace WaOrleans.Api.Operations;

/// <summary>
/// Makes sure an admin key exists once the silo runs: the configured one (<c>WaOrleans:AdminKey</c>),
/// stored hashed; or, without configuration and with no admin key yet, a generated one printed
/// once to the console (standard output, never the logger) and then only kept hashed.
/// </summary>
public sealed class AdminKeyBootstrap(IGrainFactory grains, IConfiguration configuration, IHostApplicationLifetime lifetime, ILogger<AdminKeyBootstrap> logger)
    : BackgroundService
{
    /// <summary>The configuration key of the admin key.</summary>
    public const string ConfigurationKey = "WaOrleans:AdminKey";

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets whether the admin key is in place (the readiness probe waits for it).</summary>
    public bool IsDone => _done.Task.IsCompletedSuccessfully;

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await WaitForStartAsync(stoppingToken);
        var configured = configuration[ConfigurationKey] is { Length: > 0 } key ? key.Trim() : null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var generated = await grains.GetGrain<ITenantDirectoryGrain>(0).EnsureAdminKeyAsync(
                    configured is null ? null : ApiKeys.Hash(configured),
                    configured is null ? null : ApiKeys.PrefixOf(configured));
                if (configured is not null)
                {
                    logger.AdminKeyConfigured(ApiKeys.PrefixOf(configured));
                }
                else if (generated is not null)
                {
                    PrintOnce(generated);
                    logger.AdminKeyGenerated();
                }

                _done.TrySetResult();
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Including an OperationCanceledException: Orleans cancels a call whose placement
                // meets a directory partition changing hands while the cluster settles after a
                // death. Only this host stopping ends the loop; an exception out of ExecuteAsync
                // would stop the whole silo.
                logger.AdminKeyFailed(e);
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
    }

    private static void PrintOnce(string key)
    {
        // Standard output, not the logger: log sinks keep and ship lines; this must be seen once.
        Console.Out.WriteLine();
        Console.Out.WriteLine("==================================================================");
        Console.Out.WriteLine(" WaOrleans admin key (shown once, stored only hashed; keep it safe):");
        Console.Out.WriteLine($" WAORLEANS_ADMIN_KEY={key}");
        Console.Out.WriteLine(" Set WaOrleans__AdminKey to choose your own instead.");
        Console.Out.WriteLine("==================================================================");
        Console.Out.WriteLine();
        Console.Out.Flush();
    }

    private Task WaitForStartAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        return started.Task.WaitAsync(stoppingToken);
    }
}

using WaOrleans.Grains.Messages;
using WaOrleans.Grains.Sessions;
using WaOrleans.Grains.Tests.Support;

namespace WaOrleans.Grains.Tests.Hosting;

/// <summary>
/// A database that fails under a grain reaches the caller as a <see cref="GatewayException"/> it
/// can act on (Unavailable, <c>storage_unavailable</c>: the API's 503), not as a driver exception
/// Orleans cannot serialize (<c>CodecNotFoundException</c>).
/// </summary>
public sealed class StorageErrorTests
{
    [Fact]
    public Task A_database_failure_in_a_grain_call_is_storage_unavailable_on_sqlite() => RunAsync(postgres: false);

    [Fact]
    [Trait("Category", "Postgres")]
    public Task A_database_failure_in_a_grain_call_is_storage_unavailable_on_postgres() => RunAsync(postgres: true);

    private static async Task RunAsync(bool postgres)
    {
        await using var harness = await GatewayHarness.StartAsync(postgres);
        var log = harness.Grains.GetGrain<IMessageLogGrain>(0);
        Assert.Empty((await log.QueryAsync("s1", new MessageQuery { Limit = 10 })).Items);

        // The tables the calls read are gone: every query fails in the driver, as it would with the
        // database unreachable.
        await harness.ScalarAsync("DROP TABLE messages");
        await harness.ScalarAsync("DROP TABLE sessions");

        var query = await Assert.ThrowsAsync<GatewayException>(() => log.QueryAsync("s1", new MessageQuery { Limit = 10 }));
        Assert.Equal(GatewayErrorKind.Unavailable, query.Kind);
        Assert.Equal("storage_unavailable", query.Code);

        // A grain whose activation reads the database fails the same way.
        var activation = await Assert.ThrowsAsync<GatewayException>(() => harness.Grains.GetGrain<ISessionGrain>("never-stored").GetStatusAsync());
        Assert.Equal(GatewayErrorKind.Unavailable, activation.Kind);
        Assert.Equal("storage_unavailable", activation.Code);
    }
}

using WaOrleans.Grains.Hosting;
using WaOrleans.Grains.Sessions;
using WaOrleans.Grains.Tests.Support;

namespace WaOrleans.Grains.Tests.Hosting;

/// <summary>A reference made from the remembered grain and interface types reaches the same grain as Orleans' own.</summary>
public sealed class GrainReferencesTests
{
    [Fact]
    public async Task References_by_key_are_the_ones_orleans_makes_and_reach_the_grain()
    {
        await using var harness = await GatewayHarness.StartAsync();
        await harness.PairSessionAsync("by-key", "15550001234");

        // The first call resolves the types the ordinary way; the later ones reuse them.
        foreach (var key in new[] { "by-key", "by-key", "missing" })
        {
            var ours = (GrainReference)(object)harness.Grains.GetGrainByKey<ISessionGrain>(key);
            var orleans = (GrainReference)(object)harness.Grains.GetGrain<ISessionGrain>(key);
            Assert.Equal(orleans.GrainId, ours.GrainId);
            Assert.Equal(orleans.InterfaceType, ours.InterfaceType);
            Assert.Equal(orleans, ours);
        }

        Assert.Equal(SessionState.Connected, (await harness.Grains.GetGrainByKey<ISessionGrain>("by-key").FindAsync())!.State);
        Assert.Null(await harness.Grains.GetGrainByKey<ISessionGrain>("missing").FindAsync());
        Assert.Throws<ArgumentException>(() => harness.Grains.GetGrainByKey<ISessionGrain>(" "));
    }
}

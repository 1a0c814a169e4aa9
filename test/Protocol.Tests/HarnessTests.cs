using WaOrleans.Protocol.Tests.Support;

namespace WaOrleans.Protocol.Tests;

[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class HarnessTests(InteropHarness harness)
{
    [Fact]
    public async Task Harness_runs_the_pinned_reference_versions()
    {
        var versions = await harness.CallAsync("meta.versions");

        Assert.Equal("7.0.0-rc14", versions!["baileys"]!.GetValue<string>());
        Assert.StartsWith("6.", versions["libsignal"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}

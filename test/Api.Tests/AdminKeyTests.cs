using System.Text.RegularExpressions;
using WaOrleans.Api.Tests.Support;

namespace WaOrleans.Api.Tests;

/// <summary>The admin key generated at first start: printed once to the console, kept hashed, never printed again.</summary>
public sealed partial class AdminKeyTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "waorleans-adminkey-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned with the temp directory.
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task Without_a_configured_key_one_is_generated_printed_once_and_works_after_a_restart()
    {
        string key;
        await using (var first = await GatewayProcess.StartAsync(_directory, new Dictionary<string, string?>()))
        {
            var printed = PrintedKey().Matches(first.Output);
            key = Assert.Single(printed).Groups[1].Value;
            Assert.Matches("^wao_[A-Za-z0-9_-]{43}$", key);
            // Printed to standard output for the operator, not written into a log line.
            Assert.Single(first.Output.Split('\n'), l => l.Contains(key, StringComparison.Ordinal));
            using var client = new HttpClient { BaseAddress = first.BaseUri };
            client.DefaultRequestHeaders.Authorization = new("Bearer", key);
            var keys = (await client.GetJsonOkAsync("api/keys"))["items"]!.AsArray();
            Assert.Contains(keys, k => k!["kind"]!.GetValue<string>() == "admin" && k["prefix"]!.GetValue<string>() == key[..12]);
        }

        await using var second = await GatewayProcess.StartAsync(_directory, new Dictionary<string, string?>());
        Assert.Empty(PrintedKey().Matches(second.Output));
        Assert.DoesNotContain(key, second.Output, StringComparison.Ordinal);
        using var again = new HttpClient { BaseAddress = second.BaseUri };
        again.DefaultRequestHeaders.Authorization = new("Bearer", key);
        await again.GetJsonOkAsync("api/tenants");
    }

    [Fact]
    public async Task A_configured_key_replaces_the_previous_one_when_it_changes()
    {
        var oldKey = "configured-" + Guid.NewGuid().ToString("N");
        var newKey = "configured-" + Guid.NewGuid().ToString("N");
        await using (var first = await GatewayProcess.StartAsync(_directory, new Dictionary<string, string?> { ["WAORLEANS__ADMINKEY"] = oldKey }))
        {
            Assert.Empty(PrintedKey().Matches(first.Output));
            using var client = new HttpClient { BaseAddress = first.BaseUri };
            client.DefaultRequestHeaders.Authorization = new("Bearer", oldKey);
            await client.GetJsonOkAsync("api/tenants");
            using var revoke = await client.DeleteAsync("api/keys/key_admin_config");
            await revoke.AssertErrorAsync(409, "configured_key");
        }

        await using var second = await GatewayProcess.StartAsync(_directory, new Dictionary<string, string?> { ["WAORLEANS__ADMINKEY"] = newKey });
        using var stale = new HttpClient { BaseAddress = second.BaseUri };
        stale.DefaultRequestHeaders.Authorization = new("Bearer", oldKey);
        using (var response = await stale.GetAsync("api/tenants"))
        {
            await response.AssertErrorAsync(401, "invalid_key");
        }

        using var fresh = new HttpClient { BaseAddress = second.BaseUri };
        fresh.DefaultRequestHeaders.Authorization = new("Bearer", newKey);
        await fresh.GetJsonOkAsync("api/tenants");
    }

    [GeneratedRegex("WAORLEANS_ADMIN_KEY=(\\S+)")]
    private static partial Regex PrintedKey();
}

using System.Net;
using System.Net.Http.Headers;
using WaOrleans.E2E.Support;
using Xunit.Abstractions;

namespace WaOrleans.E2E;

/// <summary>
/// The same executable without <c>--demo</c>: the dashboard is served, but the demo endpoints do
/// not exist and no simulator starts, so production never reaches a demo code path.
/// </summary>
[Trait("Category", "E2E")]
public sealed class ProductionModeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _artifacts = Directory.CreateTempSubdirectory("waorleans-e2e-prod-").FullName;
    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync() =>
        _gateway = await GatewayProcess.StartAsync(Path.Combine(_artifacts, "gateway.log"), demo: false);

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        Directory.Delete(_artifacts, recursive: true);
    }

    [Fact]
    public async Task Without_demo_the_dashboard_is_served_and_the_demo_endpoints_are_404()
    {
        using var http = new HttpClient { BaseAddress = _gateway.BaseUri };
        using (var page = await http.GetAsync(""))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Contains("/dashboard/app.js", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _gateway.AdminKey);
        foreach (var (method, path) in new[] { (HttpMethod.Get, "api/demo"), (HttpMethod.Post, "api/demo/sessions/any/scan"), (HttpMethod.Post, "api/demo/sessions/any/incoming") })
        {
            using var request = new HttpRequestMessage(method, path) { Content = method == HttpMethod.Post ? new StringContent("{\"text\":\"hi\"}", null, "application/json") : null };
            using var response = await http.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path}: {(int)response.StatusCode}");
        }

        Assert.DoesNotContain("DEMO MODE", _gateway.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_gateway.DataDirectory, "demo")), "a production start created the demo's data folder");
        output.WriteLine("no demo endpoints, no simulator, no demo data folder");
    }
}

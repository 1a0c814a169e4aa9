using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace WaOrleans.E2E.Support;

/// <summary>
/// A demo-mode gateway and a headless Chromium page on its dashboard, with the helpers the
/// dashboard tests share: sign in, screenshots under the test's bin folder (<c>artifacts/</c>),
/// polling with a bound, and REST calls that check what the server holds.
/// </summary>
public sealed class DashboardBrowser : IAsyncDisposable
{
    /// <summary>How long one step may take on a loaded machine.</summary>
    public const float StepTimeoutMs = 60_000;

    private const string ChromiumPath = "/usr/bin/chromium";
    private readonly ITestOutputHelper _output;
    private readonly string _artifacts;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private int _shot;

    private DashboardBrowser(ITestOutputHelper output, string artifacts, GatewayProcess gateway)
    {
        _output = output;
        _artifacts = artifacts;
        Gateway = gateway;
    }

    /// <summary>Gets the gateway under test.</summary>
    public GatewayProcess Gateway { get; }

    /// <summary>Gets the browser page.</summary>
    public IPage Page { get; private set; } = null!;

    /// <summary>Starts a demo gateway and a browser page on it; artifacts go to a folder named after <paramref name="name"/>.</summary>
    public static async Task<DashboardBrowser> StartAsync(ITestOutputHelper output, string name)
    {
        var artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts",
            DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + name);
        Directory.CreateDirectory(artifacts);
        output.WriteLine($"artifacts: {artifacts}");
        var gateway = await GatewayProcess.StartAsync(Path.Combine(artifacts, "gateway.log"));
        var browser = new DashboardBrowser(output, artifacts, gateway);
        try
        {
            browser._playwright = await Playwright.CreateAsync();
            browser._browser = await browser._playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = File.Exists(ChromiumPath) ? ChromiumPath : throw new InvalidOperationException($"{ChromiumPath} is missing: run test/e2e-deps.sh"),
                Headless = true,
                // Root in a container has no user namespaces for Chromium's sandbox.
                Args = ["--no-sandbox"],
            });
            browser.Page = await browser._browser.NewPageAsync(new BrowserNewPageOptions
            {
                BaseURL = gateway.BaseUri.ToString(),
                ViewportSize = new ViewportSize { Width = 1280, Height = 1000 },
            });
            browser.Page.Console += (_, message) => output.WriteLine($"browser console {message.Type}: {message.Text}");
            browser.Page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
            // An API error the page shows only in a toast (gone after seconds) stays in the test output.
            browser.Page.Response += async (_, response) =>
            {
                if (response.Status >= 400 && response.Url.Contains("/api/", StringComparison.Ordinal))
                {
                    try
                    {
                        output.WriteLine($"api {response.Status} {response.Request.Method} {response.Url}: {await response.TextAsync()}");
                    }
                    catch (Exception e) when (e is PlaywrightException or InvalidOperationException)
                    {
                        // The page closed or the test ended while the body was read: nothing to keep.
                    }
                }
            };
            Assertions.SetDefaultExpectTimeout(StepTimeoutMs);
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <paramref name="steps"/>; on failure keeps a screenshot and prints the gateway's last lines.</summary>
    public async Task RunAsync(Func<Task> steps)
    {
        try
        {
            await steps();
        }
        catch
        {
            await ShotAsync("failure");
            _output.WriteLine("--- gateway output (last lines)");
            foreach (var line in Gateway.Output.Split('\n').TakeLast(60))
            {
                _output.WriteLine(line);
            }

            throw;
        }
    }

    /// <summary>Signs in with the admin key and waits for the navigation.</summary>
    public async Task SignInAsync()
    {
        await Page.GotoAsync("/");
        await Page.FillAsync("#signin-key-input", Gateway.AdminKey);
        await Page.ClickAsync("#signin-key button[type=submit]");
        await Assertions.Expect(Page.Locator("#nav")).ToBeVisibleAsync();
    }

    /// <summary>Opens a second tab (its own sessionStorage) signed in with the admin key.</summary>
    public async Task<IPage> NewSignedInPageAsync()
    {
        var page = await _browser!.NewPageAsync(new BrowserNewPageOptions
        {
            BaseURL = Gateway.BaseUri.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 1000 },
        });
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await page.GotoAsync("/");
        await page.FillAsync("#signin-key-input", Gateway.AdminKey);
        await page.ClickAsync("#signin-key button[type=submit]");
        await Assertions.Expect(page.Locator("#nav")).ToBeVisibleAsync();
        return page;
    }

    /// <summary>Keeps a full-page screenshot of <paramref name="page"/> (a second tab) as an artifact.</summary>
    public async Task ShotAsync(IPage page, string name)
    {
        var path = Path.Combine(_artifacts, $"{++_shot:D2}-{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        _output.WriteLine($"screenshot: {path}");
    }

    /// <summary>Opens a view from the navigation and waits until it shows.</summary>
    public async Task OpenAsync(string view)
    {
        await Page.ClickAsync($"#nav a[href='#{view}']");
        await Assertions.Expect(Page.Locator($"#view-{view}")).ToBeVisibleAsync();
    }

    /// <summary>Keeps a full-page screenshot as an artifact.</summary>
    public async Task ShotAsync(string name)
    {
        var path = Path.Combine(_artifacts, $"{++_shot:D2}-{name}.png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        _output.WriteLine($"screenshot: {path}");
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, for at most one step's time.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMilliseconds(StepTimeoutMs);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(500);
        }
    }

    /// <summary>Calls the REST API (with the admin key unless <paramref name="key"/> is given) and returns the status and the JSON body.</summary>
    public async Task<(HttpStatusCode Status, JsonNode? Body)> ApiAsync(HttpMethod method, string path, object? body = null, string? key = null)
    {
        using var http = new HttpClient { BaseAddress = Gateway.BaseUri };
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key ?? Gateway.AdminKey);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>Calls the REST API with the admin key and returns the body of a 2xx answer.</summary>
    public async Task<JsonNode> ApiOkAsync(HttpMethod method, string path, object? body = null)
    {
        var (status, json) = await ApiAsync(method, path, body);
        Assert.True((int)status is >= 200 and < 300, $"{method} {path}: {(int)status} {json?.ToJsonString()}");
        return json ?? new JsonObject();
    }

    /// <summary>Creates a session through the API and pairs it with a new simulated phone by QR; returns when it is connected.</summary>
    public async Task PairByQrAsync(string sessionId)
    {
        await ApiOkAsync(HttpMethod.Post, "api/sessions", new { id = sessionId });
        await ApiOkAsync(HttpMethod.Post, $"api/sessions/{sessionId}/connect", new { method = "qr" });
        await UntilAsync(async () => (string?)(await ApiOkAsync(HttpMethod.Get, $"api/sessions/{sessionId}"))["status"] == "qr", $"{sessionId} to show a QR");
        await ApiOkAsync(HttpMethod.Post, $"api/demo/sessions/{sessionId}/scan", new { });
        await UntilAsync(async () => (string?)(await ApiOkAsync(HttpMethod.Get, $"api/sessions/{sessionId}"))["status"] == "connected", $"{sessionId} to connect");
    }

    /// <summary>Closes the browser and stops the gateway.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await Gateway.DisposeAsync();
        _output.WriteLine($"screenshots and gateway.log: {_artifacts}");
    }
}

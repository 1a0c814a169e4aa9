using System.Globalization;
using Microsoft.Extensions.Logging;
using WaOrleans.Simulator;

namespace WaOrleans.Silo.Demo;

/// <summary>
/// The demo mode (<c>--demo</c> or <c>WaOrleans:Demo:Enabled=true</c>): WaSim runs in this process
/// and every session is pointed at it through configuration, so a newcomer sees QR → connected →
/// messages → webhooks without a phone. Nothing here runs unless the demo is asked for: the
/// production defaults (WhatsApp's endpoint and root key) are untouched by this type.
/// </summary>
internal sealed class DemoMode : IAsyncDisposable
{
    /// <summary>The command-line switch that turns the demo on.</summary>
    public const string Switch = "--demo";

    /// <summary>The configuration key that turns the demo on (environment: <c>WAORLEANS__DEMO__ENABLED</c>).</summary>
    public const string EnabledKey = "WaOrleans:Demo:Enabled";

    private DemoMode(WaSimServer server, string dataDirectory)
    {
        Server = server;
        DataDirectory = dataDirectory;
        Phones = new DemoPhones(server.BaseUri);
    }

    /// <summary>Gets the in-process WhatsApp simulator the sessions connect to.</summary>
    public WaSimServer Server { get; }

    /// <summary>Gets the directory holding the demo's database and WaSim's state.</summary>
    public string DataDirectory { get; }

    /// <summary>Gets the simulated phones the demo endpoints drive.</summary>
    public DemoPhones Phones { get; }

    /// <summary>The configuration key of the data directory the demo's own folder goes under.</summary>
    public const string DataDirectoryKey = "WaOrleans:Storage:DataDirectory";

    /// <summary>Tells whether <see cref="Switch"/> is among the arguments, and removes it so the host's command-line configuration does not read it.</summary>
    public static bool TakeSwitch(ref string[] args)
    {
        var requested = args.Contains(Switch, StringComparer.Ordinal);
        args = [.. args.Where(a => a != Switch)];
        return requested;
    }

    /// <summary>
    /// Starts WaSim with its state under <paramref name="dataDirectory"/>/demo/wasim and returns the
    /// demo; the caller adds <see cref="Configuration"/> before binding the gateway options.
    /// </summary>
    public static async Task<DemoMode> StartAsync(string dataDirectory, ILoggerFactory loggerFactory)
    {
        // The demo keeps its own database next to (not inside) a real one, so demo sessions paired
        // with simulated phones never try to log in to WhatsApp after the demo ends.
        var demoDirectory = Path.GetFullPath(Path.Combine(dataDirectory, DemoConstants.DataSubdirectory));
        var server = await WaSimServer.StartAsync(
            new WaSimOptions { DataDirectory = Path.Combine(demoDirectory, DemoConstants.SimulatorSubdirectory) },
            loggerFactory).ConfigureAwait(false);
        var demo = new DemoMode(server, demoDirectory);
        try
        {
            await demo.Phones.EnsureContactAsync(CancellationToken.None).ConfigureAwait(false);
            return demo;
        }
        catch
        {
            await demo.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Gets the settings that point the gateway at WaSim: the WebSocket endpoint, WaSim's root key,
    /// its media host's certificate pin, the demo's data directory, and private webhook targets
    /// allowed (a demo receiver usually runs on the same machine).
    /// </summary>
    public IEnumerable<KeyValuePair<string, string?>> Configuration =>
    [
        new("WaOrleans:WhatsApp:Endpoint", Server.WebSocketUri.ToString()),
        new("WaOrleans:WhatsApp:RootKey", Convert.ToHexStringLower(Server.RootPublicKey)),
        new("WaOrleans:WhatsApp:MediaCertificateSha256", Convert.ToHexStringLower(Server.MediaCertificateSha256.Span)),
        new(DataDirectoryKey, DataDirectory),
        new("WaOrleans:Webhooks:AllowPrivateTargets", "true"),
        new("WaOrleans:Media:AllowPrivateUrls", "true"),
        new(EnabledKey, "true"),
    ];

    /// <summary>Prints the banner that says what is running and where to click.</summary>
    public void PrintBanner(TextWriter output, IEnumerable<string> dashboardUrls)
    {
        var line = new string('=', DemoConstants.BannerWidth);
        output.WriteLine(line);
        output.WriteLine("DEMO MODE — sessions connect to a local WhatsApp simulator (WaSim), not to WhatsApp.");
        foreach (var url in dashboardUrls)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  Dashboard:  {url}"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  Simulator:  {Server.BaseUri}sim/ (control API)  {Server.WebSocketUri}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  Demo data:  {DataDirectory}"));
        output.WriteLine("  Sign in with the admin key (printed once at the first start; or set WaOrleans__AdminKey).");
        output.WriteLine("  Then create a session, click \"Scan with simulated phone\", then send and receive messages.");
        output.WriteLine(line);
    }

    /// <summary>Stops WaSim (saving its state) and the phone client.</summary>
    public async ValueTask DisposeAsync()
    {
        Phones.Dispose();
        await Server.DisposeAsync().ConfigureAwait(false);
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace WaOrleans.E2E.Support;

/// <summary>
/// The real gateway executable (src/Silo) started as a child process in demo mode: SQLite and
/// WaSim's state in a temp directory, free ports, a known admin key. Its output is kept in a log
/// file beside the screenshots.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(120);
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly StringBuilder _output = new();

    private GatewayProcess(Process process, StreamWriter log, Uri baseUri, string adminKey, string dataDirectory)
    {
        _process = process;
        _log = log;
        BaseUri = baseUri;
        AdminKey = adminKey;
        DataDirectory = dataDirectory;
    }

    /// <summary>The dashboard user the gateway is configured with.</summary>
    public const string DashboardUser = "e2e";

    /// <summary>The dashboard password the gateway is configured with.</summary>
    public const string DashboardPassword = "correct horse battery staple";

    /// <summary>Gets the gateway's HTTP address (the dashboard is at its root).</summary>
    public Uri BaseUri { get; }

    /// <summary>Gets the admin key the gateway was started with.</summary>
    public string AdminKey { get; }

    /// <summary>Gets the temp directory holding its database and WaSim's state.</summary>
    public string DataDirectory { get; }

    /// <summary>Gets everything the gateway printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <c>WaOrleans.Silo.dll</c> (with <c>--demo</c> unless <paramref name="demo"/> is false) and waits until <c>/health/live</c> answers.</summary>
    public static async Task<GatewayProcess> StartAsync(string logPath, bool demo = true)
    {
        var silo = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Silo", "bin",
            new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0", "WaOrleans.Silo.dll");
        silo = Path.GetFullPath(silo);
        if (!File.Exists(silo))
        {
            throw new FileNotFoundException("build src/Silo first", silo);
        }

        var data = Directory.CreateTempSubdirectory("waorleans-e2e-").FullName;
        var httpPort = FreePort();
        var adminKey = "wao_e2e_" + Guid.NewGuid().ToString("N");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = data,
            ArgumentList = { silo },
        };
        if (demo)
        {
            start.ArgumentList.Add("--demo");
        }

        start.Environment["WaOrleans__Http__Port"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment.Remove("PORT");
        start.Environment["WaOrleans__Storage__DataDirectory"] = data;
        start.Environment["WaOrleans__AdminKey"] = adminKey;
        start.Environment["WaOrleans__Dashboard__User"] = DashboardUser;
        start.Environment["WaOrleans__Dashboard__Password"] = DashboardPassword;
        // Ports of their own, so the test never meets another silo on this machine (11111/30000).
        start.Environment["WaOrleans__Cluster__SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["WaOrleans__Cluster__GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__WaOrleans"] = "Information";

        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = new Process { StartInfo = start };
        var gateway = new GatewayProcess(process, log, new Uri($"http://127.0.0.1:{httpPort}/"), adminKey, data);
        process.OutputDataReceived += (_, e) => gateway.Append(e.Data);
        process.ErrorDataReceived += (_, e) => gateway.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await gateway.WaitLiveAsync();
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }

        return gateway;
    }

    /// <summary>Stops the gateway (SIGTERM, then kill) and deletes its data.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM lets the host stop the silo and save WaSim's state; a hung one is killed.
            using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
        await _log.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the temp directory is cleaned by the OS later.
        }
    }

    private async Task WaitLiveAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + StartupTimeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the gateway exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(BaseUri, "health/live"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Busy machine; try again.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the gateway did not answer /health/live within {StartupTimeout}:\n{Output}");
            }

            await Task.Delay(250);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        _log.WriteLine(line);
    }

    /// <summary>Finds a free TCP port on loopback.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

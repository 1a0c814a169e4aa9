using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace WaOrleans.Api.Tests.Support;

/// <summary>
/// The real gateway executable (src/Silo's dll) as a child process on its own ports and data
/// directory, with everything it prints kept for the tests to read (the admin key banner, logs).
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(120);

    private readonly StringBuilder _output = new();
    private readonly Process _process;

    private GatewayProcess(Process process, Uri baseUri)
    {
        _process = process;
        BaseUri = baseUri;
    }

    /// <summary>Gets the API's base address.</summary>
    public Uri BaseUri { get; }

    /// <summary>Gets everything the process printed so far (stdout and stderr).</summary>
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

    /// <summary>Gets whether the process is still running.</summary>
    public bool IsRunning => !_process.HasExited;

    /// <summary>Starts the gateway and waits until <c>/health/ready</c> says ready.</summary>
    public static async Task<GatewayProcess> StartAsync(string dataDirectory, IReadOnlyDictionary<string, string?> settings, int? httpPort = null)
    {
        var port = httpPort ?? FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dataDirectory,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(SiloDll());
        start.Environment.Remove("PORT");
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["WAORLEANS__HTTP__PORT"] = port.ToString(CultureInfo.InvariantCulture);
        start.Environment["WAORLEANS__STORAGE__DATADIRECTORY"] = Path.Combine(dataDirectory, "data");
        // Localhost clustering on ports of its own: other gateways and test silos share the machine.
        start.Environment["WAORLEANS__CLUSTER__SILOPORT"] = FreePort().ToString(CultureInfo.InvariantCulture);
        start.Environment["WAORLEANS__CLUSTER__GATEWAYPORT"] = FreePort().ToString(CultureInfo.InvariantCulture);
        // Chatty request logging, so the secrets test has lines to search.
        start.Environment["LOGGING__LOGLEVEL__MICROSOFT.ASPNETCORE"] = "Debug";
        start.Environment["LOGGING__LOGLEVEL__WAORLEANS"] = "Debug";
        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        var gateway = new GatewayProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => gateway.Append(e.Data);
        process.ErrorDataReceived += (_, e) => gateway.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await gateway.WaitUntilReadyAsync();
        return gateway;
    }

    /// <summary>Stops the process (SIGTERM via Kill on the whole tree after a grace period).</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    /// <summary>Gets a TCP port nobody listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string SiloDll()
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "WaOrleans.sln")))
        {
            directory = directory.Parent;
        }

        var root = directory?.FullName ?? throw new InvalidOperationException("WaOrleans.sln not found above the test assembly");
        return Path.Combine(root, "src", "Silo", "bin", configuration, "net10.0", "WaOrleans.Silo.dll");
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
    }

    private async Task WaitUntilReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow + StartupTimeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the gateway exited with {_process.ExitCode}:\n{Tail()}");
            }

            try
            {
                using var response = await http.GetAsync("health/ready");
                if (response.IsSuccessStatusCode)
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
                // Listening but slow: the machine is busy.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the gateway was not ready within {StartupTimeout}:\n{Tail()}");
            }

            await Task.Delay(250);
        }
    }

    private string Tail() => string.Join('\n', Output.Split('\n').TakeLast(40));
}

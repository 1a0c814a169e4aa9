using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using WaOrleans.Simulator;

// Runs WaSim on 127.0.0.1 until Ctrl+C: dotnet run --project src/Simulator -- --port 7780 [--data DIR]
const int DefaultPort = 7780;
const string DefaultDataDirectory = "wasim-data";

var port = DefaultPort;
var data = DefaultDataDirectory;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed):
            port = parsed;
            i++;
            break;
        case "--data" when i + 1 < args.Length:
            data = args[++i];
            break;
        default:
            await Console.Error.WriteLineAsync("usage: WaOrleans.Simulator [--port N] [--data DIR]");
            return 2;
    }
}

using var loggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(o => o.SingleLine = true));
await using var server = await WaSimServer.StartAsync(new WaSimOptions { Port = port, DataDirectory = Path.GetFullPath(data) }, loggerFactory);
Console.WriteLine($"WaSim root public key: {Convert.ToHexStringLower(server.RootPublicKey)}");
Console.WriteLine($"WebSocket:   {server.WebSocketUri}");
Console.WriteLine($"Media host:  {server.MediaUri} (https, self-signed)");
Console.WriteLine($"Control API: {server.BaseUri}sim/ — POST phones, GET phones/{{phone}}, POST phones/{{phone}}/scan|pair-code|send|unlink|devices,");
Console.WriteLine("             GET phones/{phone}/inbox|companions/{device}/inbox, POST groups, GET groups/{jid}, POST devices/{jid}/fault, GET root-key");
Console.WriteLine($"Data:        {Path.GetFullPath(data)}");

// Stop cleanly on Ctrl+C and on SIGTERM (docker stop, systemd, kill), closing every client first.
var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    stop.TrySetResult();
}

using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
await stop.Task;
Console.WriteLine("WaSim stopping");
return 0;

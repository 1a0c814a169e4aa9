using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using WaOrleans.Grains.Storage.Sqlite;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.Stores.InMemory;
using WaOrleans.Protocol.Store;

// The WaClient side of test/Bench/client-compare.sh, against a WaSim started separately:
//   ClientBench send <sim-url> <sender-phone> <recipient-base> <recipients> <messages> <window>
//   ClientBench idle <sim-url> <phone-base> <sessions> [memory|sqlite]
// (idle sessions keep their device state in InMemoryDeviceStore by default; "sqlite" uses the
// gateway's SQLite store in a temporary folder, as a deployed session does)
// Sessions are linked through WaSim's POST /sim/phones/{phone}/devices (no pairing). Each mode
// prints one JSON line; CPU is this process's user+sys time over the measured phase only.
const int ArgsSend = 7;
const int ArgsIdle = 4;
const int ArgsIdleWithStore = 5;
var settle = TimeSpan.FromSeconds(3);

if (args.Length < 1 || args[0] is not ("send" or "idle") || (args[0] == "send" && args.Length != ArgsSend) || (args[0] == "idle" && args.Length is not (ArgsIdle or ArgsIdleWithStore))
    || (args.Length == ArgsIdleWithStore && args[0] == "idle" && args[4] is not ("memory" or "sqlite")))
{
    await Console.Error.WriteLineAsync("usage: ClientBench send URL SENDER RECIPIENT_BASE RECIPIENTS MESSAGES WINDOW | idle URL PHONE_BASE SESSIONS [memory|sqlite]");
    return 2;
}

using var http = new HttpClient { BaseAddress = new Uri(args[1]) };
var root = await http.GetFromJsonAsync<JsonObject>("sim/root-key") ?? throw new InvalidOperationException("no root key");
var options = new WaClientOptions
{
    Endpoint = new Uri(root["webSocketUrl"]!.GetValue<string>()),
    RootKey = Convert.FromHexString(root["rootKey"]!.GetValue<string>()),
};

if (args[0] == "send")
{
    var sender = args[2];
    var recipientBase = long.Parse(args[3], CultureInfo.InvariantCulture);
    var recipients = Enumerable.Range(0, int.Parse(args[4], CultureInfo.InvariantCulture))
        .Select(i => new Jid((recipientBase + i).ToString(CultureInfo.InvariantCulture), JidServer.PhoneNumber)).ToArray();
    var messages = int.Parse(args[5], CultureInfo.InvariantCulture);
    var window = int.Parse(args[6], CultureInfo.InvariantCulture);
    await using var client = await Session.LinkAsync(http, options, sender);

    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    using var credits = new SemaphoreSlim(window, window);
    var sends = new List<Task>(messages);
    for (var i = 0; i < messages; i++)
    {
        await credits.WaitAsync();
        sends.Add(SendOneAsync(client, recipients[i % recipients.Length], i, credits));
    }

    await Task.WhenAll(sends);
    var elapsed = clock.Elapsed.TotalSeconds;
    var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
    Console.WriteLine(new JsonObject { ["messages"] = messages, ["seconds"] = elapsed, ["cpuSeconds"] = cpuSeconds }.ToJsonString());
}
else
{
    var phoneBase = long.Parse(args[2], CultureInfo.InvariantCulture);
    var count = int.Parse(args[3], CultureInfo.InvariantCulture);
    var storeKind = args.Length == ArgsIdleWithStore ? args[4] : "memory";
    var folder = Path.Combine(Path.GetTempPath(), "waclient-bench-" + Guid.NewGuid().ToString("N"));
    await using var storage = storeKind == "sqlite" ? await SqliteStorage.OpenAsync(folder) : null;
    var (rssBefore, heapBefore) = Footprint();
    var sessions = new List<WaClient>(count);
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < count; i++)
    {
        var phone = (phoneBase + i).ToString(CultureInfo.InvariantCulture);
        sessions.Add(await Session.LinkAsync(http, options, phone, storage?.ForSession(phone)));
    }

    var opened = clock.Elapsed.TotalSeconds;
    // Logins finish their prekey uploads and first keep-alives after "connected"; measure once idle.
    await Task.Delay(settle);
    var (rssAfter, heapAfter) = Footprint();
    var preKeyBytes = await PreKeyStoreBytesAsync();
    Console.WriteLine(new JsonObject
    {
        ["sessions"] = count,
        ["store"] = storeKind,
        ["openSeconds"] = opened,
        ["rssBefore"] = rssBefore,
        ["rssAfter"] = rssAfter,
        ["heapBefore"] = heapBefore,
        ["heapAfter"] = heapAfter,
        ["preKeyBytesPerSession"] = preKeyBytes,
    }.ToJsonString());
    GC.KeepAlive(sessions);
    foreach (var session in sessions)
    {
        await session.DisposeAsync();
    }

    if (storage is not null)
    {
        await storage.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }
}

return 0;

static async Task SendOneAsync(WaClient client, Jid to, int index, SemaphoreSlim credits)
{
    try
    {
        await client.SendMessageAsync(to, MessageBuilder.Text($"bench message {index}"));
    }
    finally
    {
        credits.Release();
    }
}

// What a session's initial prekey batch alone holds in an in-memory Signal store: it explains most
// of the managed heap per idle session, which a persistent store would keep out of memory.
static async Task<long> PreKeyStoreBytesAsync()
{
    // Prekey ids count from 1, as DeviceCredentials does; several stores amortise one-time statics.
    const uint FirstPreKeyId = 1;
    const int Stores = 20;
    var random = SystemSignalRandom.Instance;
    var preKeys = KeyHelper.GeneratePreKeys(new PreKeyId(FirstPreKeyId), ClientConstants.InitialPreKeyCount, random);
    var (_, before) = Footprint();
    var stores = new List<InMemorySignalProtocolStore>(Stores);
    for (var i = 0; i < Stores; i++)
    {
        var store = new InMemorySignalProtocolStore(IdentityKeyPair.Generate(random), new RegistrationId(1));
        foreach (var preKey in preKeys)
        {
            await store.StorePreKeyAsync(preKey);
        }

        stores.Add(store);
    }

    var (_, after) = Footprint();
    GC.KeepAlive(stores);
    GC.KeepAlive(preKeys);
    return (after - before) / Stores;
}

static (long Rss, long Heap) Footprint()
{
    GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    var heap = GC.GetTotalMemory(forceFullCollection: true);
    using var self = Process.GetCurrentProcess();
    return (self.WorkingSet64, heap);
}

/// <summary>Links a WaClient to a WaSim phone through the control API and waits until it is connected.</summary>
internal static class Session
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(60);

    public static async Task<WaClient> LinkAsync(HttpClient http, WaClientOptions options, string phone, IDeviceStore? durable = null)
    {
        using (var created = await http.PostAsJsonAsync("sim/phones", new { phone }))
        {
            created.EnsureSuccessStatusCode();
        }

        var credentials = DeviceCredentials.Create(SystemSignalRandom.Instance, TimeProvider.System);
        using var linked = await http.PostAsJsonAsync($"sim/phones/{phone}/devices", new
        {
            noiseKey = Convert.ToBase64String(credentials.NoiseKey.PublicKey),
            identityKey = Convert.ToBase64String(credentials.IdentityKey.PublicKey.PublicKey),
            registrationId = credentials.RegistrationId.Value,
        });
        linked.EnsureSuccessStatusCode();
        var device = await linked.Content.ReadFromJsonAsync<JsonObject>() ?? throw new InvalidOperationException("no device");
        var store = durable ?? new InMemoryDeviceStore();
        await store.SaveCredentialsAsync(credentials with
        {
            Me = Jid.Parse(device["jid"]!.GetValue<string>()),
            MeLid = Jid.Parse(device["lid"]!.GetValue<string>()),
        });

        var client = new WaClient(store, options);
        var events = Channel.CreateUnbounded<WaEvent>();
        using var registration = client.AddEventHandler((evt, _) =>
        {
            events.Writer.TryWrite(evt);
            return ValueTask.CompletedTask;
        });
        await client.StartAsync();
        using var timeout = new CancellationTokenSource(ConnectTimeout);
        while (await events.Reader.ReadAsync(timeout.Token) is var evt)
        {
            switch (evt)
            {
                case ConnectedEvent:
                    return client;
                case LoggedOutEvent or ConnectFailureEvent:
                    await client.DisposeAsync();
                    throw new InvalidOperationException($"{phone} could not log in: {evt}");
            }
        }

        throw new InvalidOperationException("unreachable");
    }
}

using BenchmarkDotNet.Attributes;
using WaOrleans.Grains.Messages;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Storage.Sqlite;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.State;
using WaOrleans.Protocol.Signal.Stores;
using WaOrleans.Protocol.Store;

namespace WaOrleans.Bench;

/// <summary>
/// The embedded database under what a received message costs it, in-process and without the disk's
/// fsync (<see cref="SqliteSynchronous.Normal"/>), so the CPU of the statements shows: the one
/// transaction that moves the sender's Signal session and stores the message's log row (as the
/// session's recorder commits it), and the sender's identity lookup every prekey message makes.
/// Gateway code only: Baileys keeps its state in files of its own, so there is no counterpart.
/// </summary>
[MemoryDiagnoser]
public class StorageBenchmarks
{
    private static readonly SignalAddress Peer = new("4915550999", new DeviceId(0));

    private string _directory = null!;
    private SqliteStorage _storage = null!;
    private SqlSignalProtocolStore _signal = null!;
    private SessionRecord _record = null!;
    private long _sequence;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup()
    {
        _storage.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Description = "storage.received_message_commit")]
    public async Task ReceivedMessageCommit()
    {
        var changes = new SignalChangeSet();
        changes.StoreSession(Peer, _record);
        var now = DateTimeOffset.UtcNow;
        var row = new LoggedMessage(
            new MessageRecord
            {
                SessionId = "bench",
                MessageId = "3EB0" + Interlocked.Increment(ref _sequence).ToString("D16", System.Globalization.CultureInfo.InvariantCulture),
                Direction = "in",
                Chat = "4915550999@s.whatsapp.net",
                Status = "received",
                Type = "text",
                Text = "a message of a usual length, about as long as this one",
                SenderJid = "4915550999@s.whatsapp.net",
                Timestamp = now,
                UpdatedAt = now,
            },
            "default",
            FromMe: false,
            Content: new byte[64],
            Attempts: 0);
        await _signal.CommitAsync(changes, (connection, transaction, cancellationToken) => MessageTable.InsertAsync(connection, transaction, row, now, cancellationToken), default);
    }

    [Benchmark(Description = "storage.identity_lookup")]
    public ValueTask<IdentityKey?> IdentityLookup() => _signal.GetIdentityAsync(Peer);

    private async Task SetupAsync()
    {
        _directory = Path.Combine(Path.GetTempPath(), "waorleans-bench-" + Guid.NewGuid().ToString("N"));
        _storage = await SqliteStorage.OpenAsync(_directory, SqliteSynchronous.Normal);
        var credentials = DeviceCredentials.Create(SystemSignalRandom.Instance, TimeProvider.System);
        _signal = (SqlSignalProtocolStore)await _storage.ForSession("bench").OpenSignalStoreAsync(credentials);

        // A session record of a usual size: one set up from the peer's bundle.
        var peer = IdentityKeyPair.Generate(SystemSignalRandom.Instance);
        var signed = KeyHelper.GenerateSignedPreKey(peer, new SignedPreKeyId(1), SystemSignalRandom.Instance, TimeProvider.System);
        var preKey = KeyHelper.GeneratePreKeys(new PreKeyId(1), 1, SystemSignalRandom.Instance)[0];
        var bundle = new PreKeyBundle(
            KeyHelper.GenerateRegistrationId(SystemSignalRandom.Instance), new DeviceId(0), signed.Id, signed.KeyPair.PublicKeyBytes(),
            signed.SignatureBytes(), peer.PublicKey, new BundlePreKey(preKey.Id, preKey.KeyPair.PublicKeyBytes()));
        await new SessionBuilder(_signal, Peer, SystemSignalRandom.Instance, TimeProvider.System).ProcessBundleAsync(bundle);
        _record = await _signal.LoadSessionAsync(Peer) ?? throw new InvalidOperationException("no session record");
    }
}

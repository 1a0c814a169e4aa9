using System.Text.Json.Nodes;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.State;
using WaOrleans.Protocol.Signal.Stores.InMemory;
using WaOrleans.Protocol.Tests.Support;

namespace WaOrleans.Protocol.Tests.Signal;

/// <summary>A reproducible random source: the same seed gives the same keys, ids and seeds.</summary>
internal sealed class SeededRandom(int seed) : ISignalRandom
{
    private readonly Random _random = new(seed);

    public void Fill(Span<byte> destination) => _random.NextBytes(destination);
}

/// <summary>A clock stopped at one instant.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public static FixedTime Default { get; } = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

    public override DateTimeOffset GetUtcNow() => now;
}

/// <summary>A C# device: identity, store with prekeys and a signed prekey, ciphers towards peers.</summary>
internal sealed class LocalPeer
{
    private uint _nextPreKeyId = 1;

    public LocalPeer(string name, ISignalRandom? random = null, ChangedIdentityPolicy policy = ChangedIdentityPolicy.Accept, uint device = 1)
    {
        Random = random ?? SystemSignalRandom.Instance;
        Identity = IdentityKeyPair.Generate(Random);
        RegistrationId = KeyHelper.GenerateRegistrationId(Random);
        Store = new InMemorySignalProtocolStore(Identity, RegistrationId, policy);
        Address = new SignalAddress(name, new DeviceId(device));
        SignedPreKey = KeyHelper.GenerateSignedPreKey(Identity, new SignedPreKeyId(1), Random, FixedTime.Default);
        Store.StoreSignedPreKeyAsync(SignedPreKey).AsTask().GetAwaiter().GetResult();
    }

    public ISignalRandom Random { get; }

    public IdentityKeyPair Identity { get; }

    public RegistrationId RegistrationId { get; }

    public InMemorySignalProtocolStore Store { get; }

    public SignalAddress Address { get; }

    public SignedPreKeyRecord SignedPreKey { get; }

    public SessionCipher Cipher(SignalAddress remote) => new(Store, remote, Random);

    public SessionBuilder Builder(SignalAddress remote) => new(Store, remote, Random, FixedTime.Default);

    public GroupCipher Group(string group, SignalAddress sender) => new(Store, new SenderKeyName(group, sender));

    public GroupSessionBuilder GroupBuilder() => new(Store, Random);

    /// <summary>Publishes a fresh one-time prekey (unless told not to) and returns the bundle.</summary>
    public async Task<PreKeyBundle> BundleAsync(bool withPreKey = true)
    {
        PreKeyRecord? preKey = null;
        if (withPreKey)
        {
            preKey = KeyHelper.GeneratePreKeys(new PreKeyId(_nextPreKeyId++), 1, Random)[0];
            await Store.StorePreKeyAsync(preKey);
        }

        return new PreKeyBundle(
            RegistrationId, Address.Device, SignedPreKey.Id, SignedPreKey.KeyPair.PublicKeyBytes(), SignedPreKey.SignatureBytes(),
            Identity.PublicKey, preKey is null ? null : new BundlePreKey(preKey.Id, preKey.KeyPair.PublicKeyBytes()));
    }

    public async Task<byte[]> DecryptAsync(SignalAddress remote, JsonNode message)
    {
        var type = (CiphertextType)message["type"]!.GetValue<int>();
        var body = Convert.FromBase64String(message["body"]!.GetValue<string>());
        return (await Cipher(remote).DecryptAsync(new EncryptedMessage(type, body))).Plaintext;
    }
}

/// <summary>A libsignal-node device in the interop harness (ops/signal.mjs).</summary>
internal sealed class NodePeer
{
    private static int s_counter;
    private readonly InteropHarness _harness;

    private NodePeer(InteropHarness harness, string name)
    {
        _harness = harness;
        Name = name;
        Address = new SignalAddress(name, new DeviceId(1));
    }

    public string Name { get; }

    public SignalAddress Address { get; }

    public IdentityKey Identity { get; private set; } = null!;

    public static async Task<NodePeer> CreateAsync(InteropHarness harness, string prefix = "node")
    {
        var peer = new NodePeer(harness, $"{prefix}{Interlocked.Increment(ref s_counter)}x{Environment.ProcessId}");
        var created = await harness.CallAsync("signal.peer.create", new { name = peer.Name });
        peer.Identity = IdentityKey.FromBytes(Convert.FromBase64String(created!["identityKey"]!.GetValue<string>()));
        return peer;
    }

    public async Task<PreKeyBundle> BundleAsync(bool withPreKey = true)
    {
        var b = (await _harness.CallAsync("signal.peer.bundle", new { name = Name, withPreKey }))!;
        return new PreKeyBundle(
            new RegistrationId(b["registrationId"]!.GetValue<uint>()),
            Address.Device,
            new SignedPreKeyId(b["signedPreKeyId"]!.GetValue<uint>()),
            Bytes(b["signedPreKey"]),
            Bytes(b["signature"]),
            IdentityKey.FromBytes(Bytes(b["identityKey"])),
            b["preKeyId"] is null ? null : new BundlePreKey(new PreKeyId(b["preKeyId"]!.GetValue<uint>()), Bytes(b["preKey"])));
    }

    public Task ProcessBundleAsync(SignalAddress remote, PreKeyBundle bundle)
    {
        var json = new JsonObject
        {
            ["registrationId"] = bundle.RegistrationId.Value,
            ["identityKey"] = InteropHarness.B64(bundle.IdentityKey.Serialize()),
            ["signedPreKeyId"] = bundle.SignedPreKeyId.Value,
            ["signedPreKey"] = InteropHarness.B64(SignalKeysForTests.Prefixed(bundle.SignedPreKeyPublic.Span)),
            ["signature"] = InteropHarness.B64(bundle.SignedPreKeySignature.Span),
        };
        if (bundle.PreKey is { } preKey)
        {
            json["preKeyId"] = preKey.Id.Value;
            json["preKey"] = InteropHarness.B64(SignalKeysForTests.Prefixed(preKey.PublicKey.Span));
        }

        return _harness.CallAsync("signal.peer.processBundle", new { name = Name, remote = remote.ToString(), bundle = json });
    }

    /// <summary>Delivers messages to the node peer, then has it send plaintexts; returns what it decrypted and sent.</summary>
    public async Task<(List<JsonNode> Received, List<EncryptedMessage> Sent)> StepAsync(
        SignalAddress remote, IEnumerable<EncryptedMessage> deliver, IEnumerable<byte[]> send)
    {
        var result = (await _harness.CallAsync("signal.peer.step", new
        {
            name = Name,
            remote = remote.ToString(),
            deliver = deliver.Select(m => new { type = (int)m.Type, body = InteropHarness.B64(m.Body) }).ToArray(),
            send = send.Select(p => InteropHarness.B64(p)).ToArray(),
        }))!;
        var received = result["received"]!.AsArray().Select(n => n!).ToList();
        var sent = result["sent"]!.AsArray()
            .Select(n => new EncryptedMessage((CiphertextType)n!["type"]!.GetValue<int>(), Bytes(n["body"])))
            .ToList();
        return (received, sent);
    }

    public async Task<byte[]> DecryptAsync(SignalAddress remote, EncryptedMessage message)
    {
        var (received, _) = await StepAsync(remote, [message], []);
        Assert.Null(received[0]["error"]);
        return Bytes(received[0]["plaintext"]);
    }

    public async Task<EncryptedMessage> EncryptAsync(SignalAddress remote, byte[] plaintext) =>
        (await StepAsync(remote, [], [plaintext])).Sent[0];

    public async Task<bool> HasPreKeyAsync(PreKeyId id) =>
        (await _harness.CallAsync("signal.peer.hasPreKey", new { name = Name, id = id.Value }))!.GetValue<bool>();

    public async Task<byte[]> CreateGroupAsync(string group) =>
        Bytes(await _harness.CallAsync("signal.group.create", new { name = Name, group, self = Address.ToString() }));

    public Task ProcessSkdmAsync(string group, SignalAddress sender, byte[] skdm) =>
        _harness.CallAsync("signal.group.process", new { name = Name, group, sender = sender.ToString(), skdm = InteropHarness.B64(skdm) });

    public async Task<List<byte[]>> GroupEncryptAsync(string group, IEnumerable<byte[]> plaintexts) =>
        (await _harness.CallAsync("signal.group.encrypt", new
        {
            name = Name, group, self = Address.ToString(), plaintexts = plaintexts.Select(p => InteropHarness.B64(p)).ToArray(),
        }))!.AsArray().Select(Bytes).ToList();

    public async Task<List<JsonNode>> GroupDecryptAsync(string group, SignalAddress sender, IEnumerable<byte[]> messages) =>
        (await _harness.CallAsync("signal.group.decrypt", new
        {
            name = Name, group, sender = sender.ToString(), messages = messages.Select(m => InteropHarness.B64(m)).ToArray(),
        }))!.AsArray().Select(n => n!).ToList();

    public static byte[] Bytes(JsonNode? node) => Convert.FromBase64String(node!.GetValue<string>());
}

internal static class SignalKeysForTests
{
    /// <summary>Returns a key in libsignal's 33-byte form whether it came raw or prefixed.</summary>
    public static byte[] Prefixed(ReadOnlySpan<byte> key) => key.Length == 33 ? key.ToArray() : [0x05, .. key];
}

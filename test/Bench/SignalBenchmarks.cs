using BenchmarkDotNet.Attributes;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.Messages;
using WaOrleans.Protocol.Signal.State;
using WaOrleans.Protocol.Signal.Stores;
using WaOrleans.Protocol.Signal.Stores.InMemory;

namespace WaOrleans.Bench;

/// <summary>
/// Signal operations side by side with libsignal-node and Baileys' group cipher
/// (test/Interop/bench/signal.mjs): steady-state encrypt and decrypt of a 100-byte message in an
/// established session, session setup from a bundle, and sender-key encrypt and decrypt.
/// </summary>
/// <remarks>
/// Decrypt and setup run against a <see cref="ReplayStore"/>: every commit is serialized as a real
/// store would do, then dropped, so the same message decrypts again on every call (the Node side
/// does the same with its store).
/// </remarks>
[MemoryDiagnoser]
public class SignalBenchmarks
{
    private const string Group = "120363000000000009@g.us";
    private static readonly byte[] Payload = new byte[100];

    private SessionCipher _encryptor = null!;
    private SessionCipher _decryptor = null!;
    private EncryptedMessage _message = null!;
    private SessionBuilder _setup = null!;
    private PreKeyBundle _bundle = null!;
    private GroupCipher _groupEncryptor = null!;
    private GroupCipher _groupDecryptor = null!;
    private byte[] _groupMessage = null!;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [Benchmark(Description = "signal.encrypt")]
    public Task<EncryptedMessage> Encrypt() => _encryptor.EncryptAsync(Payload);

    [Benchmark(Description = "signal.decrypt")]
    public Task<DecryptResult> Decrypt() => _decryptor.DecryptAsync(_message);

    [Benchmark(Description = "signal.session_setup")]
    public Task<IdentityChange> SessionSetup() => _setup.ProcessBundleAsync(_bundle);

    [Benchmark(Description = "senderkey.encrypt")]
    public Task<byte[]> SenderKeyEncrypt() => _groupEncryptor.EncryptAsync(Payload);

    [Benchmark(Description = "senderkey.decrypt")]
    public Task<byte[]> SenderKeyDecrypt() => _groupDecryptor.DecryptAsync(_groupMessage);

    private async Task SetupAsync()
    {
        var random = SystemSignalRandom.Instance;
        var (alice, aliceAddress) = await DeviceAsync("alice", random);
        var (bob, bobAddress) = await DeviceAsync("bob", random);
        _bundle = await BundleAsync(bob, random);

        // An answered session both ways, so messages are WhisperMessages.
        await new SessionBuilder(alice, bobAddress, random, TimeProvider.System).ProcessBundleAsync(_bundle);
        var aliceCipher = new SessionCipher(alice, bobAddress, random);
        var bobCipher = new SessionCipher(bob, aliceAddress, random);
        await bobCipher.DecryptAsync(await aliceCipher.EncryptAsync(Payload));
        await aliceCipher.DecryptAsync(await bobCipher.EncryptAsync(Payload));
        _encryptor = aliceCipher;

        // Bob has seen Alice's current ratchet key, so decrypting the next message is one chain step.
        await bobCipher.DecryptAsync(await aliceCipher.EncryptAsync(Payload));
        _message = await aliceCipher.EncryptAsync(Payload);
        _decryptor = new SessionCipher(new ReplayStore(bob), aliceAddress, random);

        var (setupStore, _) = await DeviceAsync("carol", random);
        _setup = new SessionBuilder(new ReplayStore(setupStore), bobAddress, random, TimeProvider.System);

        var name = new SenderKeyName(Group, aliceAddress);
        var skdm = await new GroupSessionBuilder(alice, random).CreateAsync(name);
        await new GroupSessionBuilder(bob, random).ProcessAsync(name, SenderKeyDistributionMessage.Parse(skdm.Serialized.Span));
        _groupEncryptor = new GroupCipher(alice, name);
        _groupMessage = await _groupEncryptor.EncryptAsync(Payload);
        _groupDecryptor = new GroupCipher(new ReplayStore(bob), name);
    }

    private static async Task<(InMemorySignalProtocolStore Store, SignalAddress Address)> DeviceAsync(string name, ISignalRandom random)
    {
        var identity = IdentityKeyPair.Generate(random);
        var store = new InMemorySignalProtocolStore(identity, KeyHelper.GenerateRegistrationId(random));
        await store.StoreSignedPreKeyAsync(KeyHelper.GenerateSignedPreKey(identity, new SignedPreKeyId(1), random, TimeProvider.System));
        return (store, new SignalAddress(name, new DeviceId(1)));
    }

    private static async Task<PreKeyBundle> BundleAsync(InMemorySignalProtocolStore store, ISignalRandom random)
    {
        var identity = await store.GetIdentityKeyPairAsync();
        var signed = (await store.LoadSignedPreKeyAsync(new SignedPreKeyId(1)))!;
        var preKey = KeyHelper.GeneratePreKeys(new PreKeyId(1), 1, random)[0];
        await store.StorePreKeyAsync(preKey);
        return new PreKeyBundle(
            await store.GetLocalRegistrationIdAsync(), new DeviceId(1), signed.Id, signed.KeyPair.PublicKeyBytes(),
            signed.SignatureBytes(), identity.PublicKey, new BundlePreKey(preKey.Id, preKey.KeyPair.PublicKeyBytes()));
    }
}

/// <summary>
/// A store whose commits are serialized (the cost a real store pays) and then dropped, so an
/// operation can be repeated on the same state forever. Sessions are never found, so a session
/// setup always starts from an empty record.
/// </summary>
internal sealed class ReplayStore(InMemorySignalProtocolStore inner) : ISignalProtocolStore
{
    public ValueTask<IdentityKeyPair> GetIdentityKeyPairAsync(CancellationToken cancellationToken = default) => inner.GetIdentityKeyPairAsync(cancellationToken);

    public ValueTask<RegistrationId> GetLocalRegistrationIdAsync(CancellationToken cancellationToken = default) => inner.GetLocalRegistrationIdAsync(cancellationToken);

    public ValueTask<IdentityChange> SaveIdentityAsync(SignalAddress address, IdentityKey identity, CancellationToken cancellationToken = default) => new(IdentityChange.NewOrUnchanged);

    public ValueTask<bool> IsTrustedIdentityAsync(SignalAddress address, IdentityKey identity, TrustDirection direction, CancellationToken cancellationToken = default) =>
        inner.IsTrustedIdentityAsync(address, identity, direction, cancellationToken);

    public ValueTask<IdentityKey?> GetIdentityAsync(SignalAddress address, CancellationToken cancellationToken = default) => inner.GetIdentityAsync(address, cancellationToken);

    public ValueTask<PreKeyRecord?> LoadPreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default) => inner.LoadPreKeyAsync(id, cancellationToken);

    public ValueTask StorePreKeyAsync(PreKeyRecord record, CancellationToken cancellationToken = default) => default;

    public ValueTask RemovePreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default) => default;

    public ValueTask<SignedPreKeyRecord?> LoadSignedPreKeyAsync(SignedPreKeyId id, CancellationToken cancellationToken = default) => inner.LoadSignedPreKeyAsync(id, cancellationToken);

    public ValueTask StoreSignedPreKeyAsync(SignedPreKeyRecord record, CancellationToken cancellationToken = default) => default;

    public ValueTask RemoveSignedPreKeyAsync(SignedPreKeyId id, CancellationToken cancellationToken = default) => default;

    public ValueTask<SessionRecord?> LoadSessionAsync(SignalAddress address, CancellationToken cancellationToken = default) =>
        inner.LoadSessionAsync(address, cancellationToken);

    public ValueTask StoreSessionAsync(SignalAddress address, SessionRecord record, CancellationToken cancellationToken = default) => default;

    public ValueTask DeleteSessionAsync(SignalAddress address, CancellationToken cancellationToken = default) => default;

    public ValueTask<SenderKeyRecord?> LoadSenderKeyAsync(SenderKeyName name, CancellationToken cancellationToken = default) => inner.LoadSenderKeyAsync(name, cancellationToken);

    public ValueTask StoreSenderKeyAsync(SenderKeyName name, SenderKeyRecord record, CancellationToken cancellationToken = default) => default;

    public ValueTask CommitAsync(SignalChangeSet changes, CancellationToken cancellationToken = default)
    {
        foreach (var (_, record) in changes.Sessions)
        {
            GC.KeepAlive(record.Serialize());
        }

        foreach (var (_, record) in changes.SenderKeys)
        {
            GC.KeepAlive(record.Serialize());
        }

        return default;
    }
}

using Google.Protobuf;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.Storage;
using WaOrleans.Protocol.Signal.State;
using WaOrleans.Protocol.Signal.Stores;
using static WaOrleans.Protocol.Tests.Signal.SessionInteropTests;

namespace WaOrleans.Protocol.Tests.Signal.Stores;

/// <summary>
/// The contract every <see cref="ISignalProtocolStore"/> must meet (in-memory, SQLite, PostgreSQL,
/// grain state): inherit this class and implement <see cref="CreateStore"/> with a fresh, empty store.
/// </summary>
public abstract class SignalStoreContractTests
{
    private static readonly SignalAddress Peer = new("4915550900", new DeviceId(0));
    private readonly SeededRandom _random = new(900);

    /// <summary>Creates an empty store for a device with this identity and registration id.</summary>
    protected abstract ISignalProtocolStore CreateStore(IdentityKeyPair identity, RegistrationId registrationId);

    [Fact]
    public async Task Returns_the_devices_own_identity_and_registration_id()
    {
        var identity = IdentityKeyPair.Generate(_random);
        var store = CreateStore(identity, new RegistrationId(1234));

        Assert.Equal(identity.PublicKey, (await store.GetIdentityKeyPairAsync()).PublicKey);
        Assert.Equal(identity.KeyPair.PrivateKeyBytes(), (await store.GetIdentityKeyPairAsync()).KeyPair.PrivateKeyBytes());
        Assert.Equal(new RegistrationId(1234), await store.GetLocalRegistrationIdAsync());
    }

    [Fact]
    public async Task Missing_records_are_null_not_errors()
    {
        var store = NewStore();

        Assert.Null(await store.GetIdentityAsync(Peer));
        Assert.Null(await store.LoadPreKeyAsync(new PreKeyId(1)));
        Assert.Null(await store.LoadSignedPreKeyAsync(new SignedPreKeyId(1)));
        Assert.Null(await store.LoadSessionAsync(Peer));
        Assert.Null(await store.LoadSenderKeyAsync(new SenderKeyName("g@g.us", Peer)));
        await store.RemovePreKeyAsync(new PreKeyId(1));
        await store.RemoveSignedPreKeyAsync(new SignedPreKeyId(1));
        await store.DeleteSessionAsync(Peer);
    }

    [Fact]
    public async Task Identities_are_trusted_on_first_use_and_changes_are_reported()
    {
        var store = NewStore();
        var first = IdentityKeyPair.Generate(_random).PublicKey;
        var second = IdentityKeyPair.Generate(_random).PublicKey;

        Assert.True(await store.IsTrustedIdentityAsync(Peer, first, TrustDirection.Receiving));
        Assert.Equal(IdentityChange.NewOrUnchanged, await store.SaveIdentityAsync(Peer, first));
        Assert.Equal(IdentityChange.NewOrUnchanged, await store.SaveIdentityAsync(Peer, first));
        Assert.True(await store.IsTrustedIdentityAsync(Peer, first, TrustDirection.Sending));
        Assert.Equal(IdentityChange.ReplacedExisting, await store.SaveIdentityAsync(Peer, second));
        Assert.Equal(second, await store.GetIdentityAsync(Peer));
        Assert.Null(await store.GetIdentityAsync(Peer with { Device = new DeviceId(1) }));
        Assert.Null(await store.GetIdentityAsync(SignalAddress.ForUser(Peer.Name, SignalUserDomain.Lid, Peer.Device)));
    }

    [Fact]
    public async Task Prekeys_round_trip_byte_for_byte_and_are_removed()
    {
        var store = NewStore();
        var preKey = KeyHelper.GeneratePreKeys(new PreKeyId(5), 1, _random)[0];
        var identity = IdentityKeyPair.Generate(_random);
        var signed = KeyHelper.GenerateSignedPreKey(identity, new SignedPreKeyId(2), _random, FixedTime.Default);

        await store.StorePreKeyAsync(preKey);
        await store.StoreSignedPreKeyAsync(signed);

        Assert.Equal(preKey.Serialize(), (await store.LoadPreKeyAsync(preKey.Id))!.Serialize());
        Assert.Equal(signed.Serialize(), (await store.LoadSignedPreKeyAsync(signed.Id))!.Serialize());
        await store.RemovePreKeyAsync(preKey.Id);
        await store.RemoveSignedPreKeyAsync(signed.Id);
        Assert.Null(await store.LoadPreKeyAsync(preKey.Id));
        Assert.Null(await store.LoadSignedPreKeyAsync(signed.Id));
    }

    [Fact]
    public async Task A_batch_of_prekeys_round_trips_across_the_id_wrap_and_loses_only_the_removed_ones()
    {
        var store = NewStore();
        // 200 ids ending just past the 24-bit maximum (the generator wraps to 1), as a long-lived device's batches do.
        var preKeys = KeyHelper.GeneratePreKeys(new PreKeyId(SignalConstants.MaxPreKeyId - 99), 200, _random);
        foreach (var preKey in preKeys)
        {
            await store.StorePreKeyAsync(preKey);
        }

        var removed = new[] { preKeys[0], preKeys[63], preKeys[100], preKeys[199] };
        foreach (var preKey in removed)
        {
            await store.RemovePreKeyAsync(preKey.Id);
        }

        foreach (var preKey in preKeys)
        {
            var loaded = await store.LoadPreKeyAsync(preKey.Id);
            if (removed.Contains(preKey))
            {
                Assert.Null(loaded);
            }
            else
            {
                Assert.Equal(preKey.Serialize(), loaded!.Serialize());
            }
        }
    }

    [Fact]
    public async Task A_prekey_read_from_storage_round_trips_byte_for_byte_even_when_its_halves_do_not_match()
    {
        var store = NewStore();
        var generated = KeyHelper.GeneratePreKeys(new PreKeyId(70), 2, _random);
        var (first, second) = (generated[0], generated[1]);
        // A record as another client's storage may hold it: its public key is not the one its private key derives.
        var mismatched = PreKeyRecord.Deserialize(new PreKeyRecordStructure
        {
            Id = 72,
            PublicKey = ByteString.CopyFrom(first.KeyPair.PublicKey),
            PrivateKey = ByteString.CopyFrom(second.KeyPair.PrivateKey),
        }.ToByteArray());
        var reread = PreKeyRecord.Deserialize(second.Serialize());

        await store.StorePreKeyAsync(first);
        await store.StorePreKeyAsync(reread);
        await store.StorePreKeyAsync(mismatched);

        Assert.Equal(first.Serialize(), (await store.LoadPreKeyAsync(first.Id))!.Serialize());
        Assert.Equal(second.Serialize(), (await store.LoadPreKeyAsync(second.Id))!.Serialize());
        Assert.Equal(mismatched.Serialize(), (await store.LoadPreKeyAsync(mismatched.Id))!.Serialize());

        // Storing under a used id replaces the record, whichever way either was kept.
        await store.StorePreKeyAsync(new PreKeyRecord(mismatched.Id, first.KeyPair));
        await store.StorePreKeyAsync(new PreKeyRecord(first.Id, mismatched.KeyPair));
        Assert.Equal(first.KeyPair.PublicKeyBytes(), (await store.LoadPreKeyAsync(mismatched.Id))!.KeyPair.PublicKeyBytes());
        Assert.Equal(mismatched.KeyPair.PublicKeyBytes(), (await store.LoadPreKeyAsync(first.Id))!.KeyPair.PublicKeyBytes());
        await store.RemovePreKeyAsync(first.Id);
        Assert.Null(await store.LoadPreKeyAsync(first.Id));
        Assert.NotNull(await store.LoadPreKeyAsync(mismatched.Id));
    }

    [Fact]
    public async Task Loaded_sessions_are_copies_and_round_trip_byte_for_byte()
    {
        var store = NewStore();
        var record = await RealSessionAsync();
        await store.StoreSessionAsync(Peer, record);

        var loaded = (await store.LoadSessionAsync(Peer))!;
        Assert.Equal(record.Serialize(), loaded.Serialize());
        loaded.ArchiveCurrentSession();
        Assert.True((await store.LoadSessionAsync(Peer))!.HasCurrentSession);
        Assert.Null(await store.LoadSessionAsync(Peer with { Device = new DeviceId(3) }));

        await store.DeleteSessionAsync(Peer);
        Assert.Null(await store.LoadSessionAsync(Peer));
    }

    [Fact]
    public async Task Sender_keys_are_kept_per_group_and_sender_device()
    {
        var store = NewStore();
        var name = new SenderKeyName("120363000000000003@g.us", Peer);
        await new GroupSessionBuilder(store, _random).CreateAsync(name);

        var loaded = await store.LoadSenderKeyAsync(name);
        Assert.NotNull(loaded);
        Assert.False(loaded.IsEmpty);
        Assert.Null(await store.LoadSenderKeyAsync(name with { GroupId = "other@g.us" }));
        Assert.Null(await store.LoadSenderKeyAsync(name with { Sender = Peer with { Device = new DeviceId(9) } }));

        var replacement = new SenderKeyRecord();
        await store.StoreSenderKeyAsync(name, replacement);
        Assert.Equal(replacement.Serialize(), (await store.LoadSenderKeyAsync(name))!.Serialize());
    }

    [Fact]
    public async Task Commit_applies_every_kind_of_change()
    {
        var store = NewStore();
        var preKey = KeyHelper.GeneratePreKeys(new PreKeyId(9), 1, _random)[0];
        await store.StorePreKeyAsync(preKey);
        var record = await RealSessionAsync();
        var identity = IdentityKeyPair.Generate(_random).PublicKey;
        var senderKeyName = new SenderKeyName("g@g.us", Peer);
        var changes = new SignalChangeSet();
        changes.StoreSession(Peer, record);
        changes.SaveIdentity(Peer, identity);
        changes.RemovePreKey(preKey.Id);
        changes.StoreSenderKey(senderKeyName, new SenderKeyRecord());

        await store.CommitAsync(changes);

        Assert.Equal(record.Serialize(), (await store.LoadSessionAsync(Peer))!.Serialize());
        Assert.Equal(identity, await store.GetIdentityAsync(Peer));
        Assert.Null(await store.LoadPreKeyAsync(preKey.Id));
        Assert.NotNull(await store.LoadSenderKeyAsync(senderKeyName));
        await store.CommitAsync(new SignalChangeSet());
    }

    [Fact]
    public async Task Pending_inbound_messages_are_committed_with_the_session_and_removed_later()
    {
        var store = NewStore();
        var pending = Assert.IsAssignableFrom<IPendingInboundStore>(store);
        var key = new PendingInboundKey("120363@g.us", "4915550900:2@s.whatsapp.net", "3EB0AA");
        var other = key with { Sender = "4915550901@s.whatsapp.net" };
        var record = await RealSessionAsync();
        var changes = new SignalChangeSet();
        changes.StoreSession(Peer, record);
        changes.StorePendingInbound(key, [1, 2, 3]);
        changes.StorePendingInbound(other, [4]);

        Assert.Null(await pending.LoadPendingInboundAsync(key));
        await store.CommitAsync(changes);

        Assert.Equal(record.Serialize(), (await store.LoadSessionAsync(Peer))!.Serialize());
        Assert.Equal([1, 2, 3], await pending.LoadPendingInboundAsync(key));
        Assert.Equal(2, (await pending.ListPendingInboundAsync()).Count);
        var removal = new SignalChangeSet();
        removal.RemovePendingInbound(key);
        await store.CommitAsync(removal);
        Assert.Null(await pending.LoadPendingInboundAsync(key));
        Assert.Equal([4], Assert.Single(await pending.ListPendingInboundAsync()).Record);
        await pending.StorePendingInboundAsync(key, [5]);
        Assert.Equal([5], await pending.LoadPendingInboundAsync(key));
        await pending.RemovePendingInboundAsync(key);
        await pending.RemovePendingInboundAsync(key);
        Assert.Null(await pending.LoadPendingInboundAsync(key));
    }

    [Fact]
    public async Task A_full_session_works_on_top_of_the_store()
    {
        var aliceIdentity = IdentityKeyPair.Generate(_random);
        var bob = new LocalPeer("bob");
        var alice = CreateStore(aliceIdentity, new RegistrationId(77));
        var aliceAddress = new SignalAddress("alice", new DeviceId(1));

        await new SessionBuilder(alice, bob.Address, _random, FixedTime.Default).ProcessBundleAsync(await bob.BundleAsync());
        var hello = await new SessionCipher(alice, bob.Address, _random).EncryptAsync(Utf8("hello"));
        await bob.Cipher(aliceAddress).DecryptAsync(hello);
        var reply = await bob.Cipher(aliceAddress).EncryptAsync(Utf8("reply"));

        Assert.Equal("reply", Text((await new SessionCipher(alice, bob.Address, _random).DecryptAsync(reply)).Plaintext));
        Assert.Equal(bob.Identity.PublicKey, await alice.GetIdentityAsync(bob.Address));
    }

    private ISignalProtocolStore NewStore() => CreateStore(IdentityKeyPair.Generate(_random), new RegistrationId(42));

    private async Task<SessionRecord> RealSessionAsync()
    {
        var (alice, bob) = await SessionCipherTests.PairAsync();
        return (await alice.Store.LoadSessionAsync(bob.Address))!;
    }
}

using WaOrleans.Grains.Tests.Support;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.State;
using WaOrleans.Protocol.Store;

namespace WaOrleans.Grains.Tests.Storage;

/// <summary>
/// The contract every <see cref="IDeviceStore"/> must meet: inherit this class and implement
/// <see cref="CreateStoreAsync"/>, which returns the store of a session (the same rows for the same id).
/// </summary>
public abstract class DeviceStoreContractTests
{
    private static readonly SignalAddress Peer = new("4915550901", new DeviceId(0));
    private static readonly Jid Lid = Jid.Parse("123456789012345@lid");
    private static readonly Jid Phone = Jid.Parse("4915550901@s.whatsapp.net");

    /// <summary>Creates, or opens again, the store of a session.</summary>
    protected abstract Task<IDeviceStore> CreateStoreAsync(string sessionId);

    [Fact]
    public async Task Credentials_round_trip_byte_for_byte_and_are_replaced()
    {
        var store = await CreateStoreAsync(NewSessionId());
        Assert.Null(await store.LoadCredentialsAsync());

        var credentials = NewCredentials();
        await store.SaveCredentialsAsync(credentials);
        var loaded = (await store.LoadCredentialsAsync())!;
        Assert.Equal(credentials.Serialize(), loaded.Serialize());
        Assert.Null(loaded.Account);

        var paired = credentials with { Me = Jid.Parse("4915550000:3@s.whatsapp.net"), PushName = "Shop", NextPreKeyId = 31 };
        await store.SaveCredentialsAsync(paired);
        Assert.Equal(paired.Serialize(), (await store.LoadCredentialsAsync())!.Serialize());
    }

    [Fact]
    public async Task The_signal_store_belongs_to_the_credentials_and_keeps_its_records()
    {
        var sessionId = NewSessionId();
        var credentials = NewCredentials();
        var preKey = KeyHelper.GeneratePreKeys(new PreKeyId(7), 1, SystemSignalRandom.Instance)[0];
        var signal = await (await CreateStoreAsync(sessionId)).OpenSignalStoreAsync(credentials);
        await signal.StorePreKeyAsync(preKey);

        var again = await (await CreateStoreAsync(sessionId)).OpenSignalStoreAsync(credentials);
        Assert.Equal(credentials.IdentityKey.PublicKey, (await again.GetIdentityKeyPairAsync()).PublicKey);
        Assert.Equal(credentials.RegistrationId, await again.GetLocalRegistrationIdAsync());
        Assert.Equal(preKey.Serialize(), (await again.LoadPreKeyAsync(preKey.Id))!.Serialize());
    }

    [Fact]
    public async Task Lid_mappings_go_both_ways_without_device_parts_and_replace_older_ones()
    {
        var lids = (await CreateStoreAsync(NewSessionId())).Lids;
        Assert.Null(await lids.GetPhoneNumberAsync(Lid));

        await lids.StoreMappingAsync(Jid.Parse("123456789012345:2@lid"), Jid.Parse("4915550901:2@s.whatsapp.net"));
        Assert.Equal(Phone, await lids.GetPhoneNumberAsync(Jid.Parse("123456789012345:5@lid")));
        Assert.Equal(Lid, await lids.GetLidAsync(Phone));

        var newPhone = Jid.Parse("4915550902@s.whatsapp.net");
        await lids.StoreMappingAsync(Lid, newPhone);
        Assert.Equal(newPhone, await lids.GetPhoneNumberAsync(Lid));
        Assert.Null(await lids.GetLidAsync(Phone));
        await Assert.ThrowsAsync<ArgumentException>(async () => await lids.StoreMappingAsync(Phone, Lid));
    }

    [Fact]
    public async Task Wipe_deletes_credentials_signal_state_and_mappings()
    {
        var store = await CreateStoreAsync(NewSessionId());
        await store.WipeAsync();
        var credentials = NewCredentials();
        await store.SaveCredentialsAsync(credentials);
        var signal = await store.OpenSignalStoreAsync(credentials);
        var preKey = KeyHelper.GeneratePreKeys(new PreKeyId(1), 1, SystemSignalRandom.Instance)[0];
        await signal.StorePreKeyAsync(preKey);
        await signal.StoreSignedPreKeyAsync(credentials.SignedPreKey);
        await signal.StoreSessionAsync(Peer, new SessionRecord());
        await signal.SaveIdentityAsync(Peer, IdentityKeyPair.Generate(SystemSignalRandom.Instance).PublicKey);
        await signal.StoreSenderKeyAsync(new SenderKeyName("g@g.us", Peer), new SenderKeyRecord());
        await store.Lids.StoreMappingAsync(Lid, Phone);

        await store.WipeAsync();

        Assert.Null(await store.LoadCredentialsAsync());
        var fresh = await store.OpenSignalStoreAsync(credentials);
        Assert.Null(await fresh.LoadPreKeyAsync(preKey.Id));
        Assert.Null(await fresh.LoadSignedPreKeyAsync(credentials.SignedPreKey.Id));
        Assert.Null(await fresh.LoadSessionAsync(Peer));
        Assert.Null(await fresh.GetIdentityAsync(Peer));
        Assert.Null(await fresh.LoadSenderKeyAsync(new SenderKeyName("g@g.us", Peer)));
        Assert.Null(await store.Lids.GetPhoneNumberAsync(Lid));
    }

    [Fact]
    public async Task Two_sessions_never_see_each_others_rows()
    {
        var first = await CreateStoreAsync(NewSessionId());
        var second = await CreateStoreAsync(NewSessionId());
        var credentials = NewCredentials();
        await first.SaveCredentialsAsync(credentials);
        var preKey = KeyHelper.GeneratePreKeys(new PreKeyId(3), 1, SystemSignalRandom.Instance)[0];
        await (await first.OpenSignalStoreAsync(credentials)).StorePreKeyAsync(preKey);
        await (await first.OpenSignalStoreAsync(credentials)).StoreSessionAsync(Peer, new SessionRecord());
        await first.Lids.StoreMappingAsync(Lid, Phone);

        Assert.Null(await second.LoadCredentialsAsync());
        var secondSignal = await second.OpenSignalStoreAsync(NewCredentials());
        Assert.Null(await secondSignal.LoadPreKeyAsync(preKey.Id));
        Assert.Null(await secondSignal.LoadSessionAsync(Peer));
        Assert.Null(await second.Lids.GetLidAsync(Phone));

        await second.WipeAsync();
        Assert.NotNull(await first.LoadCredentialsAsync());
        Assert.NotNull(await (await first.OpenSignalStoreAsync(credentials)).LoadPreKeyAsync(preKey.Id));
        Assert.Equal(Lid, await first.Lids.GetLidAsync(Phone));
    }

    [Fact]
    public async Task Message_secrets_and_privacy_tokens_persist_per_session_and_are_wiped_with_it()
    {
        var sessionId = NewSessionId();
        var store = await CreateStoreAsync(sessionId);
        var secrets = Assert.IsAssignableFrom<IMessageSecretStore>(store);
        var tokens = Assert.IsAssignableFrom<IPrivacyTokenStore>(store);
        Assert.Null(await secrets.LoadMessageSecretAsync("3EB0AAAA"));
        Assert.Null(await tokens.LoadPrivacyTokenAsync(Lid));

        await secrets.StoreMessageSecretAsync("3EB0AAAA", [1, 2, 3]);
        await secrets.StoreMessageSecretAsync("3EB0AAAA", [4, 5]);
        var issued = DateTimeOffset.FromUnixTimeSeconds(1_760_000_000);
        await tokens.StorePrivacyTokenAsync(Jid.Parse("123456789012345:4@lid"), new PrivacyToken(new byte[] { 9, 8, 7 }, issued));

        // Another instance over the same session sees them (device parts dropped); another session does not.
        var again = await CreateStoreAsync(sessionId);
        Assert.Equal([4, 5], await ((IMessageSecretStore)again).LoadMessageSecretAsync("3EB0AAAA"));
        var token = (await ((IPrivacyTokenStore)again).LoadPrivacyTokenAsync(Lid))!;
        Assert.Equal([9, 8, 7], token.Token.ToArray());
        Assert.Equal(issued, token.Timestamp);
        var other = await CreateStoreAsync(NewSessionId());
        Assert.Null(await ((IMessageSecretStore)other).LoadMessageSecretAsync("3EB0AAAA"));
        Assert.Null(await ((IPrivacyTokenStore)other).LoadPrivacyTokenAsync(Lid));

        await again.WipeAsync();
        Assert.Null(await secrets.LoadMessageSecretAsync("3EB0AAAA"));
        Assert.Null(await tokens.LoadPrivacyTokenAsync(Lid));
    }

    /// <summary>Creates fresh, unpaired credentials.</summary>
    protected static DeviceCredentials NewCredentials() => DeviceCredentials.Create(SystemSignalRandom.Instance, TimeProvider.System);

    /// <summary>Creates a session id no other test uses.</summary>
    protected static string NewSessionId() => "test-" + Guid.NewGuid().ToString("N");
}

/// <summary>The device store contract on the in-memory reference store, which proves the suite itself.</summary>
public sealed class InMemoryDeviceStoreContractTests : DeviceStoreContractTests
{
    private readonly Dictionary<string, InMemoryDeviceStore> _stores = [];

    /// <inheritdoc/>
    protected override Task<IDeviceStore> CreateStoreAsync(string sessionId)
    {
        if (!_stores.TryGetValue(sessionId, out var store))
        {
            _stores[sessionId] = store = new InMemoryDeviceStore();
        }

        return Task.FromResult<IDeviceStore>(store);
    }
}

/// <summary>The device store contract on SQLite.</summary>
public sealed class SqliteDeviceStoreContractTests(SqliteStorageFixture fixture) : DeviceStoreContractTests, IClassFixture<SqliteStorageFixture>
{
    /// <inheritdoc/>
    protected override Task<IDeviceStore> CreateStoreAsync(string sessionId) => Task.FromResult<IDeviceStore>(fixture.Storage.ForSession(sessionId));
}

/// <summary>The device store contract on PostgreSQL.</summary>
[Trait("Category", "Postgres")]
public sealed class PostgresDeviceStoreContractTests(PostgresStorageFixture fixture) : DeviceStoreContractTests, IClassFixture<PostgresStorageFixture>
{
    /// <inheritdoc/>
    protected override Task<IDeviceStore> CreateStoreAsync(string sessionId) => Task.FromResult<IDeviceStore>(fixture.Storage.ForSession(sessionId));
}

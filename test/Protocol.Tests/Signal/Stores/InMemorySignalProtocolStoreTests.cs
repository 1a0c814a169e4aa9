using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.Stores;
using WaOrleans.Protocol.Signal.Stores.InMemory;

namespace WaOrleans.Protocol.Tests.Signal.Stores;

/// <summary>The reference in-memory store against the store contract.</summary>
public sealed class InMemorySignalProtocolStoreTests : SignalStoreContractTests
{
    protected override ISignalProtocolStore CreateStore(IdentityKeyPair identity, RegistrationId registrationId) =>
        new InMemorySignalProtocolStore(identity, registrationId);

    [Fact]
    public async Task A_change_set_can_be_applied_through_the_narrow_interfaces()
    {
        var random = new SeededRandom(902);
        var store = new InMemorySignalProtocolStore(IdentityKeyPair.Generate(random), new RegistrationId(1));
        var peer = new SignalAddress("peer", new DeviceId(0));
        var identity = IdentityKeyPair.Generate(random).PublicKey;
        var preKey = KeyHelper.GeneratePreKeys(new PreKeyId(3), 1, random)[0];
        await store.StorePreKeyAsync(preKey);
        var changes = new SignalChangeSet();
        changes.SaveIdentity(peer, identity);
        changes.RemovePreKey(preKey.Id);
        changes.StoreSession(peer, new WaOrleans.Protocol.Signal.State.SessionRecord());

        await changes.ApplyOneByOneAsync(store);

        Assert.Equal(identity, await store.GetIdentityAsync(peer));
        Assert.Null(await store.LoadPreKeyAsync(preKey.Id));
        Assert.NotNull(await store.LoadSessionAsync(peer));
    }

    [Fact]
    public async Task A_rejecting_store_distrusts_a_changed_identity_until_it_is_saved()
    {
        var random = new SeededRandom(901);
        var store = new InMemorySignalProtocolStore(IdentityKeyPair.Generate(random), new RegistrationId(1), ChangedIdentityPolicy.Reject);
        var peer = new SignalAddress("peer", new DeviceId(0));
        var first = IdentityKeyPair.Generate(random).PublicKey;
        var second = IdentityKeyPair.Generate(random).PublicKey;
        await store.SaveIdentityAsync(peer, first);

        Assert.False(await store.IsTrustedIdentityAsync(peer, second, TrustDirection.Receiving));
        Assert.False(await store.IsTrustedIdentityAsync(peer, second, TrustDirection.Sending));
        await store.SaveIdentityAsync(peer, second);
        Assert.True(await store.IsTrustedIdentityAsync(peer, second, TrustDirection.Sending));
    }
}

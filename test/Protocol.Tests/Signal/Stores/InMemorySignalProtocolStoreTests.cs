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

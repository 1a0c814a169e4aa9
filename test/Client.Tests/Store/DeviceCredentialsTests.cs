using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Store;

namespace WaOrleans.Client.Tests.Store;

public sealed class DeviceCredentialsTests
{
    [Fact]
    public void Fresh_credentials_follow_baileys_init_auth_creds()
    {
        var credentials = DeviceCredentials.Create(SystemSignalRandom.Instance, TimeProvider.System);

        Assert.InRange(credentials.RegistrationId.Value, 1u, 0x3FFFu);
        Assert.Equal(1u, credentials.SignedPreKey.Id.Value);
        Assert.True(credentials.IdentityKey.PublicKey.VerifySignature([5, .. credentials.SignedPreKey.KeyPair.PublicKey], credentials.SignedPreKey.Signature));
        Assert.Equal(32, credentials.AdvSecret.Length);
        Assert.Equal((1u, 1u), (credentials.NextPreKeyId, credentials.FirstUnuploadedPreKeyId));
        Assert.False(credentials.IsPaired);
    }

    [Fact]
    public void Serialization_round_trips_every_field_and_is_stable()
    {
        var credentials = DeviceCredentials.Create(SystemSignalRandom.Instance, TimeProvider.System) with
        {
            Me = Jid.Parse("15550001111:3@s.whatsapp.net"),
            MeLid = Jid.Parse("100000000000001:3@lid"),
            PushName = "Alice",
            Platform = "android",
            BusinessName = "Shop",
            Account = new byte[] { 1, 2, 3 },
            NextPreKeyId = 813,
            FirstUnuploadedPreKeyId = 813,
        };

        var bytes = credentials.Serialize();
        var loaded = DeviceCredentials.Deserialize(bytes);

        Assert.Equal(bytes, loaded.Serialize());
        Assert.Equal(credentials.Me, loaded.Me);
        Assert.Equal(credentials.MeLid, loaded.MeLid);
        Assert.Equal(credentials.NoiseKey.PublicKeyBytes(), loaded.NoiseKey.PublicKeyBytes());
        Assert.Equal(credentials.IdentityKey.PublicKey, loaded.IdentityKey.PublicKey);
        Assert.Equal(credentials.PairingEphemeralKey.PublicKeyBytes(), loaded.PairingEphemeralKey.PublicKeyBytes());
        Assert.Equal(credentials.AdvSecret.ToArray(), loaded.AdvSecret.ToArray());
        Assert.Equal(new byte[] { 1, 2, 3 }, loaded.Account!.Value.ToArray());
        Assert.Equal(("Alice", "android", "Shop", 813u), (loaded.PushName, loaded.Platform, loaded.BusinessName, loaded.NextPreKeyId));
        Assert.Null(DeviceCredentials.Deserialize(DeviceCredentials.Create(SystemSignalRandom.Instance, TimeProvider.System).Serialize()).Me);
    }

    [Fact]
    public void Garbage_is_refused_and_nothing_secret_is_printed()
    {
        Assert.Throws<InvalidDataException>(() => DeviceCredentials.Deserialize(new byte[] { 0xFF, 0xFF }));
        var credentials = DeviceCredentials.Create(SystemSignalRandom.Instance, TimeProvider.System);
        var text = credentials.ToString();
        Assert.DoesNotContain(Convert.ToBase64String(credentials.AdvSecret.Span), text, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexStringLower(credentials.IdentityKey.KeyPair.PrivateKey), text, StringComparison.Ordinal);
        Assert.StartsWith("DeviceCredentials(me unpaired", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_in_memory_store_wipes_everything_and_maps_lids_both_ways()
    {
        var store = new InMemoryDeviceStore();
        var credentials = DeviceCredentials.Create(SystemSignalRandom.Instance, TimeProvider.System);
        await store.SaveCredentialsAsync(credentials);
        var signal = await store.OpenSignalStoreAsync(credentials);
        Assert.Same(signal, await store.OpenSignalStoreAsync(credentials));
        await store.Lids.StoreMappingAsync(Jid.Parse("100000000000001:2@lid"), Jid.Parse("15550001111@s.whatsapp.net"));
        Assert.Equal(Jid.Parse("15550001111@s.whatsapp.net"), await store.Lids.GetPhoneNumberAsync(Jid.Parse("100000000000001@lid")));
        Assert.Equal(Jid.Parse("100000000000001@lid"), await store.Lids.GetLidAsync(Jid.Parse("15550001111:4@s.whatsapp.net")));

        await store.WipeAsync();
        Assert.Null(await store.LoadCredentialsAsync());
        Assert.Null(await store.Lids.GetLidAsync(Jid.Parse("15550001111@s.whatsapp.net")));
        Assert.NotSame(signal, await store.OpenSignalStoreAsync(credentials));
    }
}

using System.Text;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Tests.Support;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.Stores.InMemory;
using WaOrleans.Protocol.Store;

namespace WaOrleans.Grains.Tests.Storage;

/// <summary>
/// Durability rule 1 with real Signal messages: an inbound message whose unit of work never
/// committed (a crash before the ack) decrypts again when WhatsApp redelivers it, and two
/// activations racing on one prekey message never both keep it.
/// </summary>
public abstract class SqlStoreRedeliveryTests
{
    private static readonly SignalAddress AliceAddress = new("4915550904", new DeviceId(0));
    private static readonly PreKeyId OneTimePreKey = new(1);

    /// <summary>Gets the provider's database.</summary>
    protected abstract IStorageFixture Fixture { get; }

    [Fact]
    public async Task A_message_decrypted_in_a_unit_of_work_that_never_committed_decrypts_again()
    {
        var (bob, credentials) = await NewDeviceAsync();
        var hello = await FirstMessageFromAliceAsync(bob, credentials, "hello");
        var bobSignal = await bob.OpenSignalStoreAsync(credentials);

        await using (var crashed = await bob.BeginUnitOfWorkAsync())
        {
            var first = await new SessionCipher(bobSignal, AliceAddress, SystemSignalRandom.Instance).DecryptAsync(hello);
            Assert.Equal("hello", Encoding.UTF8.GetString(first.Plaintext));
        }

        Assert.NotNull(await bobSignal.LoadPreKeyAsync(OneTimePreKey));
        await using (var redelivered = await bob.BeginUnitOfWorkAsync())
        {
            var again = await new SessionCipher(bobSignal, AliceAddress, SystemSignalRandom.Instance).DecryptAsync(hello);
            Assert.Equal("hello", Encoding.UTF8.GetString(again.Plaintext));
            await redelivered.CommitAsync();
        }

        Assert.Null(await bobSignal.LoadPreKeyAsync(OneTimePreKey));
        Assert.NotNull(await bobSignal.LoadSessionAsync(AliceAddress));
    }

    [Fact]
    public async Task Two_activations_racing_on_one_prekey_message_keep_it_once()
    {
        var (bob, credentials) = await NewDeviceAsync();
        var hello = await FirstMessageFromAliceAsync(bob, credentials, "hello");
        var activations = new[] { Fixture.Storage.ForSession(bob.SessionId), Fixture.Storage.ForSession(bob.SessionId) };

        var outcomes = await Task.WhenAll(activations.Select(activation => Task.Run(async () =>
        {
            var signal = await activation.OpenSignalStoreAsync(credentials);
            try
            {
                await new SessionCipher(signal, AliceAddress, SystemSignalRandom.Instance).DecryptAsync(hello);
                return true;
            }
            catch (SignalProtocolException)
            {
                // The loser either lost the prekey or found the message already consumed.
                return false;
            }
        })));

        Assert.Single(outcomes, won => won);
    }

    private async Task<(SqlDeviceStore Store, DeviceCredentials Credentials)> NewDeviceAsync()
    {
        var store = Fixture.Storage.ForSession("test-" + Guid.NewGuid().ToString("N"));
        var credentials = DeviceCredentials.Create(SystemSignalRandom.Instance, TimeProvider.System);
        await store.SaveCredentialsAsync(credentials);
        var signal = await store.OpenSignalStoreAsync(credentials);
        await signal.StoreSignedPreKeyAsync(credentials.SignedPreKey);
        return (store, credentials);
    }

    private static async Task<EncryptedMessage> FirstMessageFromAliceAsync(SqlDeviceStore bob, DeviceCredentials credentials, string text)
    {
        var preKey = KeyHelper.GeneratePreKeys(OneTimePreKey, 1, SystemSignalRandom.Instance)[0];
        await (await bob.OpenSignalStoreAsync(credentials)).StorePreKeyAsync(preKey);
        var bundle = new PreKeyBundle(
            credentials.RegistrationId, new DeviceId(0), credentials.SignedPreKey.Id, credentials.SignedPreKey.KeyPair.PublicKeyBytes(),
            credentials.SignedPreKey.SignatureBytes(), credentials.IdentityKey.PublicKey, new BundlePreKey(preKey.Id, preKey.KeyPair.PublicKeyBytes()));
        var alice = new InMemorySignalProtocolStore(IdentityKeyPair.Generate(SystemSignalRandom.Instance), KeyHelper.GenerateRegistrationId(SystemSignalRandom.Instance));
        var bobAddress = new SignalAddress("4915550905", new DeviceId(0));
        await new SessionBuilder(alice, bobAddress, SystemSignalRandom.Instance, TimeProvider.System).ProcessBundleAsync(bundle);
        var message = await new SessionCipher(alice, bobAddress, SystemSignalRandom.Instance).EncryptAsync(Encoding.UTF8.GetBytes(text));
        Assert.Equal(CiphertextType.PreKey, message.Type);
        return message;
    }
}

/// <summary>Redelivery and racing activations on SQLite.</summary>
public sealed class SqliteStoreRedeliveryTests(SqliteStorageFixture fixture) : SqlStoreRedeliveryTests, IClassFixture<SqliteStorageFixture>
{
    /// <inheritdoc/>
    protected override IStorageFixture Fixture => fixture;
}

/// <summary>Redelivery and racing activations on PostgreSQL.</summary>
[Trait("Category", "Postgres")]
public sealed class PostgresStoreRedeliveryTests(PostgresStorageFixture fixture) : SqlStoreRedeliveryTests, IClassFixture<PostgresStorageFixture>
{
    /// <inheritdoc/>
    protected override IStorageFixture Fixture => fixture;
}

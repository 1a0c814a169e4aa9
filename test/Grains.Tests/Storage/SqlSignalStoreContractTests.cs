using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Tests.Support;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.Stores;
using WaOrleans.Protocol.Tests.Signal.Stores;

namespace WaOrleans.Grains.Tests.Storage;

/// <summary>The Signal store contract on SQLite, each test in a session of its own.</summary>
public sealed class SqliteSignalStoreContractTests(SqliteStorageFixture fixture) : SignalStoreContractTests, IClassFixture<SqliteStorageFixture>
{
    /// <inheritdoc/>
    protected override ISignalProtocolStore CreateStore(IdentityKeyPair identity, RegistrationId registrationId) =>
        new SqlSignalProtocolStore(new SessionDatabase(fixture.Storage, Guid.NewGuid().ToString("N")), identity, registrationId, new CommittedMemory<byte[]>(SqlDeviceStore.SignalSessionsRemembered), new CommittedMemory<byte[]>(SqlDeviceStore.IdentitiesRemembered));
}

/// <summary>The Signal store contract on PostgreSQL, each test in a session of its own.</summary>
[Trait("Category", "Postgres")]
public sealed class PostgresSignalStoreContractTests(PostgresStorageFixture fixture) : SignalStoreContractTests, IClassFixture<PostgresStorageFixture>
{
    /// <inheritdoc/>
    protected override ISignalProtocolStore CreateStore(IdentityKeyPair identity, RegistrationId registrationId) =>
        new SqlSignalProtocolStore(new SessionDatabase(fixture.Storage, Guid.NewGuid().ToString("N")), identity, registrationId, new CommittedMemory<byte[]>(SqlDeviceStore.SignalSessionsRemembered), new CommittedMemory<byte[]>(SqlDeviceStore.IdentitiesRemembered));
}

using System.Data.Common;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Tests.Support;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.State;
using WaOrleans.Protocol.Signal.Stores;
using WaOrleans.Protocol.Store;

namespace WaOrleans.Grains.Tests.Storage;

/// <summary>
/// What the SQL stores promise beyond the contracts: all-or-nothing commits, units of work shared
/// with the caller's statements, one consumer per prekey under concurrency, and data that outlives
/// the process's connections.
/// </summary>
public abstract class SqlStoreDurabilityTests
{
    private const string CallerTableSql = """
        CREATE TABLE IF NOT EXISTS test_inbound_messages (
            session_id TEXT NOT NULL,
            message_id TEXT NOT NULL,
            PRIMARY KEY (session_id, message_id)
        )
        """;

    private const string InsertCallerRowSql = "INSERT INTO test_inbound_messages (session_id, message_id) VALUES (@session, @id)";

    private const string CountCallerRowsSql = "SELECT COUNT(*) FROM test_inbound_messages WHERE session_id = @session";

    private static readonly SignalAddress Peer = new("4915550902", new DeviceId(0));

    /// <summary>Gets the provider's database.</summary>
    protected abstract IStorageFixture Fixture { get; }

    [Fact]
    public async Task A_commit_that_loses_a_prekey_race_changes_nothing()
    {
        var (_, signal) = await NewSessionAsync();
        var preKeys = KeyHelper.GeneratePreKeys(new PreKeyId(1), 2, SystemSignalRandom.Instance);
        await signal.StorePreKeyAsync(preKeys[0]);
        var changes = new SignalChangeSet();
        changes.RemovePreKey(preKeys[0].Id);
        changes.RemovePreKey(preKeys[1].Id);
        changes.StoreSession(Peer, new SessionRecord());
        changes.SaveIdentity(Peer, IdentityKeyPair.Generate(SystemSignalRandom.Instance).PublicKey);
        changes.StoreSenderKey(new SenderKeyName("g@g.us", Peer), new SenderKeyRecord());

        var error = await Assert.ThrowsAsync<SignalProtocolException>(async () => await signal.CommitAsync(changes));

        Assert.Equal(SignalErrorKind.InvalidPreKeyId, error.Kind);
        Assert.NotNull(await signal.LoadPreKeyAsync(preKeys[0].Id));
        Assert.Null(await signal.LoadSessionAsync(Peer));
        Assert.Null(await signal.GetIdentityAsync(Peer));
        Assert.Null(await signal.LoadSenderKeyAsync(new SenderKeyName("g@g.us", Peer)));
    }

    [Fact]
    public async Task A_unit_of_work_that_fails_after_a_signal_commit_keeps_nothing()
    {
        var (store, signal) = await NewSessionAsync();
        await CreateCallerTableAsync(store);
        var preKey = KeyHelper.GeneratePreKeys(new PreKeyId(4), 1, SystemSignalRandom.Instance)[0];
        await signal.StorePreKeyAsync(preKey);

        await using (var work = await store.BeginUnitOfWorkAsync())
        {
            await signal.CommitAsync(DecryptLikeChanges(preKey.Id));
            await InsertCallerRowAsync(work, store.SessionId, "m1");
            Assert.Null(await signal.LoadPreKeyAsync(preKey.Id));
            await Assert.ThrowsAnyAsync<DbException>(() => InsertCallerRowAsync(work, store.SessionId, "m1"));
        }

        Assert.NotNull(await signal.LoadPreKeyAsync(preKey.Id));
        Assert.Null(await signal.LoadSessionAsync(Peer));
        Assert.Equal(0, await CountCallerRowsAsync(store));
    }

    [Fact]
    public async Task A_unit_of_work_commits_the_callers_rows_with_the_signal_state()
    {
        var (store, signal) = await NewSessionAsync();
        await CreateCallerTableAsync(store);
        var preKey = KeyHelper.GeneratePreKeys(new PreKeyId(5), 1, SystemSignalRandom.Instance)[0];
        await signal.StorePreKeyAsync(preKey);

        await using (var work = await store.BeginUnitOfWorkAsync())
        {
            await signal.CommitAsync(DecryptLikeChanges(preKey.Id));
            await store.Lids.StoreMappingAsync(Jid.Parse("111@lid"), Jid.Parse("4915550902@s.whatsapp.net"));
            await InsertCallerRowAsync(work, store.SessionId, "m1");
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.BeginUnitOfWorkAsync());
            await work.CommitAsync();
        }

        Assert.Null(await signal.LoadPreKeyAsync(preKey.Id));
        Assert.NotNull(await signal.LoadSessionAsync(Peer));
        Assert.NotNull(await store.Lids.GetLidAsync(Jid.Parse("4915550902@s.whatsapp.net")));
        Assert.Equal(1, await CountCallerRowsAsync(store));
    }

    [Fact]
    public async Task Concurrent_commits_hand_out_each_prekey_once()
    {
        const int PreKeys = 16;
        const int Consumers = 8;
        var (_, signal) = await NewSessionAsync();
        foreach (var preKey in KeyHelper.GeneratePreKeys(new PreKeyId(100), PreKeys, SystemSignalRandom.Instance))
        {
            await signal.StorePreKeyAsync(preKey);
        }

        var wins = await Task.WhenAll(Enumerable.Range(0, Consumers).Select(consumer => Task.Run(async () =>
        {
            var won = new List<uint>();
            foreach (var id in Enumerable.Range(100, PreKeys).OrderBy(_ => Random.Shared.Next()))
            {
                var changes = DecryptLikeChanges(new PreKeyId((uint)id), new SignalAddress("peer" + consumer, new DeviceId(0)));
                try
                {
                    await signal.CommitAsync(changes);
                    won.Add((uint)id);
                }
                catch (SignalProtocolException e) when (e.Kind == SignalErrorKind.InvalidPreKeyId)
                {
                    // Another consumer took this prekey first: exactly what must happen to all but one.
                }
            }

            return won;
        })));

        Assert.Equal(Enumerable.Range(100, PreKeys).Select(i => (uint)i), wins.SelectMany(w => w).Order());
        for (var id = 100u; id < 100 + PreKeys; id++)
        {
            Assert.Null(await signal.LoadPreKeyAsync(new PreKeyId(id)));
        }
    }

    [Fact]
    public async Task Everything_survives_reopening_the_database()
    {
        var sessionId = "test-" + Guid.NewGuid().ToString("N");
        var credentials = DeviceCredentials.Create(SystemSignalRandom.Instance, TimeProvider.System);
        var store = Fixture.Storage.ForSession(sessionId);
        await store.SaveCredentialsAsync(credentials);
        var signal = await store.OpenSignalStoreAsync(credentials);
        var preKey = KeyHelper.GeneratePreKeys(new PreKeyId(9), 1, SystemSignalRandom.Instance)[0];
        await signal.StorePreKeyAsync(preKey);
        await signal.StoreSessionAsync(Peer, new SessionRecord());
        await store.Lids.StoreMappingAsync(Jid.Parse("222@lid"), Jid.Parse("4915550903@s.whatsapp.net"));

        await using var reopened = await Fixture.ReopenAsync();
        var again = reopened.ForSession(sessionId);
        var loaded = await again.LoadCredentialsAsync();
        Assert.Equal(credentials.Serialize(), loaded!.Serialize());
        var signalAgain = await again.OpenSignalStoreAsync(loaded);
        Assert.Equal(preKey.Serialize(), (await signalAgain.LoadPreKeyAsync(preKey.Id))!.Serialize());
        Assert.NotNull(await signalAgain.LoadSessionAsync(Peer));
        Assert.Equal(Jid.Parse("222@lid"), await again.Lids.GetLidAsync(Jid.Parse("4915550903@s.whatsapp.net")));
    }

    [Fact]
    public async Task Reopening_applies_no_migration_twice()
    {
        await using var reopened = await Fixture.ReopenAsync();
        var store = reopened.ForSession("migrations-probe");
        await using var work = await store.BeginUnitOfWorkAsync();
        await using var count = work.CreateCommand("SELECT COUNT(*) - COUNT(DISTINCT version) FROM schema_migrations");
        Assert.Equal(0L, Convert.ToInt64(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
        await using var any = work.CreateCommand("SELECT COUNT(*) FROM schema_migrations WHERE version = 1");
        Assert.Equal(1L, Convert.ToInt64(await any.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
    }

    private static SignalChangeSet SessionChange(SignalAddress peer)
    {
        var changes = new SignalChangeSet();
        changes.StoreSession(peer, new SessionRecord());
        return changes;
    }

    private static SignalChangeSet DecryptLikeChanges(PreKeyId preKey, SignalAddress? peer = null)
    {
        var changes = new SignalChangeSet();
        changes.RemovePreKey(preKey);
        changes.StoreSession(peer ?? Peer, new SessionRecord());
        return changes;
    }

    private static async Task CreateCallerTableAsync(SqlDeviceStore store)
    {
        await using var work = await store.BeginUnitOfWorkAsync();
        await using (var create = work.CreateCommand(CallerTableSql))
        {
            await create.ExecuteNonQueryAsync();
        }

        await work.CommitAsync();
    }

    private static async Task InsertCallerRowAsync(SqlUnitOfWork work, string sessionId, string messageId)
    {
        await using var insert = work.CreateCommand(InsertCallerRowSql);
        AddParameter(insert, "@session", sessionId);
        AddParameter(insert, "@id", messageId);
        await insert.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Session_records_read_back_what_was_committed_through_rollbacks_and_failed_commits()
    {
        var (store, signal) = await NewSessionAsync();
        var kept = new SignalAddress("4915550911", new DeviceId(0));
        var absent = new SignalAddress("4915550912", new DeviceId(0));
        await signal.StoreSessionAsync(kept, new SessionRecord());
        Assert.NotNull(await signal.LoadSessionAsync(kept));
        Assert.Null(await signal.LoadSessionAsync(absent));

        // A unit of work that writes both and rolls back: the reads after it see the committed rows.
        await using (var work = await store.BeginUnitOfWorkAsync())
        {
            await signal.DeleteSessionAsync(kept);
            await signal.CommitAsync(SessionChange(absent));
            Assert.Null(await signal.LoadSessionAsync(kept));
            Assert.NotNull(await signal.LoadSessionAsync(absent));
        }

        Assert.NotNull(await signal.LoadSessionAsync(kept));
        Assert.Null(await signal.LoadSessionAsync(absent));

        // A commit that loses its prekey, and one whose caller's statements fail: nothing of them is read back.
        await Assert.ThrowsAsync<SignalProtocolException>(async () => await signal.CommitAsync(DecryptLikeChanges(new PreKeyId(78), absent)));
        Assert.Null(await signal.LoadSessionAsync(absent));
        var sql = (SqlSignalProtocolStore)signal;
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await sql.CommitAsync(
            SessionChange(absent), (_, _, _) => throw new InvalidOperationException("the caller's row"), CancellationToken.None));
        Assert.Null(await signal.LoadSessionAsync(absent));

        // Committed: read back here and by another store of the session alike; deleted and wiped likewise.
        await signal.CommitAsync(SessionChange(absent));
        await signal.DeleteSessionAsync(kept);
        var other = await Fixture.Storage.ForSession(store.SessionId).OpenSignalStoreAsync(DeviceCredentials.Create(SystemSignalRandom.Instance, TimeProvider.System));
        foreach (var reader in new[] { signal, other })
        {
            Assert.NotNull(await reader.LoadSessionAsync(absent));
            Assert.Null(await reader.LoadSessionAsync(kept));
        }

        await store.WipeAsync();
        Assert.Null(await signal.LoadSessionAsync(absent));
    }

    [Fact]
    public async Task Peer_identities_read_back_what_was_committed_through_rollbacks_and_failed_commits()
    {
        var (store, signal) = await NewSessionAsync();
        var peer = new SignalAddress("4915550913", new DeviceId(0));
        var first = IdentityKeyPair.Generate(SystemSignalRandom.Instance).PublicKey;
        var second = IdentityKeyPair.Generate(SystemSignalRandom.Instance).PublicKey;
        Assert.Null(await signal.GetIdentityAsync(peer));
        Assert.Equal(IdentityChange.NewOrUnchanged, await signal.SaveIdentityAsync(peer, first));
        AssertIdentity(first, await signal.GetIdentityAsync(peer));

        // Replaced inside a unit of work that rolls back: the committed key is read again.
        await using (var work = await store.BeginUnitOfWorkAsync())
        {
            Assert.Equal(IdentityChange.ReplacedExisting, await signal.SaveIdentityAsync(peer, second));
            AssertIdentity(second, await signal.GetIdentityAsync(peer));
        }

        AssertIdentity(first, await signal.GetIdentityAsync(peer));

        // A commit that loses its prekey, and one whose caller's statements fail: their key is not read back.
        await Assert.ThrowsAsync<SignalProtocolException>(async () => await signal.CommitAsync(Replacing(peer, second, new PreKeyId(79))));
        AssertIdentity(first, await signal.GetIdentityAsync(peer));
        var sql = (SqlSignalProtocolStore)signal;
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await sql.CommitAsync(
            Replacing(peer, second), (_, _, _) => throw new InvalidOperationException("the caller's row"), CancellationToken.None));
        AssertIdentity(first, await signal.GetIdentityAsync(peer));

        // Committed: read back here and by another store of the session alike; wiped likewise.
        await signal.CommitAsync(Replacing(peer, second));
        var other = await Fixture.Storage.ForSession(store.SessionId).OpenSignalStoreAsync(DeviceCredentials.Create(SystemSignalRandom.Instance, TimeProvider.System));
        foreach (var reader in new[] { signal, other })
        {
            AssertIdentity(second, await reader.GetIdentityAsync(peer));
        }

        await store.WipeAsync();
        Assert.Null(await signal.GetIdentityAsync(peer));

        static SignalChangeSet Replacing(SignalAddress address, IdentityKey identity, PreKeyId? consumed = null)
        {
            var changes = new SignalChangeSet();
            if (consumed is { } id)
            {
                changes.RemovePreKey(id);
            }

            changes.SaveIdentity(address, identity);
            return changes;
        }

        static void AssertIdentity(IdentityKey expected, IdentityKey? actual) =>
            Assert.Equal(Convert.ToHexString(expected.PublicKey), actual is null ? null : Convert.ToHexString(actual.PublicKey));
    }

    [Fact]
    public async Task Lid_mappings_read_back_what_was_committed_and_a_known_mapping_is_not_written_again()
    {
        var (store, _) = await NewSessionAsync();
        Jid Lid(string user) => new(user, JidServer.Lid);
        Jid Phone(string user) => new(user, JidServer.PhoneNumber);

        Assert.Null(await store.Lids.GetLidAsync(Phone("4915550001")));
        await store.Lids.StoreMappingAsync(Lid("101"), Phone("4915550001"));
        Assert.Equal(Lid("101"), await store.Lids.GetLidAsync(Phone("4915550001")));
        Assert.Equal(Phone("4915550001"), await store.Lids.GetPhoneNumberAsync(Lid("101")));

        // Every received message names its sender's mapping again: nothing to write.
        var commits = (Fixture.Storage as Grains.Storage.Sqlite.SqliteStorage)?.Commits;
        await store.Lids.StoreMappingAsync(Jid.Parse("101:3@lid"), Jid.Parse("4915550001:3@s.whatsapp.net"));
        Assert.Equal(commits, (Fixture.Storage as Grains.Storage.Sqlite.SqliteStorage)?.Commits);

        // The LID moves to another number: the old number maps to nothing, here and in a fresh store.
        await store.Lids.StoreMappingAsync(Lid("101"), Phone("4915550002"));
        var fresh = Fixture.Storage.ForSession(store.SessionId);
        foreach (var lids in new[] { store.Lids, fresh.Lids })
        {
            Assert.Null(await lids.GetLidAsync(Phone("4915550001")));
            Assert.Equal(Lid("101"), await lids.GetLidAsync(Phone("4915550002")));
            Assert.Equal(Phone("4915550002"), await lids.GetPhoneNumberAsync(Lid("101")));
        }

        // Written and read inside a unit of work that rolls back: nothing is remembered of it.
        await using (var work = await store.BeginUnitOfWorkAsync())
        {
            await store.Lids.StoreMappingAsync(Lid("102"), Phone("4915550003"));
            Assert.Equal(Lid("102"), await store.Lids.GetLidAsync(Phone("4915550003")));
            await store.Lids.StoreMappingAsync(Lid("101"), Phone("4915550004"));
        }

        Assert.Null(await store.Lids.GetLidAsync(Phone("4915550003")));
        Assert.Null(await store.Lids.GetPhoneNumberAsync(Lid("102")));
        Assert.Equal(Phone("4915550002"), await store.Lids.GetPhoneNumberAsync(Lid("101")));

        await store.WipeAsync();
        Assert.Null(await store.Lids.GetLidAsync(Phone("4915550002")));
        Assert.Null(await store.Lids.GetPhoneNumberAsync(Lid("101")));
    }

    private static async Task<long> CountCallerRowsAsync(SqlDeviceStore store)
    {
        await using var work = await store.BeginUnitOfWorkAsync();
        await using var count = work.CreateCommand(CountCallerRowsSql);
        AddParameter(count, "@session", store.SessionId);
        return Convert.ToInt64(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private async Task<(SqlDeviceStore Store, ISignalProtocolStore Signal)> NewSessionAsync()
    {
        var store = Fixture.Storage.ForSession("test-" + Guid.NewGuid().ToString("N"));
        var signal = await store.OpenSignalStoreAsync(DeviceCredentials.Create(SystemSignalRandom.Instance, TimeProvider.System));
        return (store, signal);
    }
}

/// <summary>The durability promises on SQLite.</summary>
public sealed class SqliteStoreDurabilityTests(SqliteStorageFixture fixture) : SqlStoreDurabilityTests, IClassFixture<SqliteStorageFixture>
{
    /// <inheritdoc/>
    protected override IStorageFixture Fixture => fixture;
}

/// <summary>The durability promises on PostgreSQL.</summary>
[Trait("Category", "Postgres")]
public sealed class PostgresStoreDurabilityTests(PostgresStorageFixture fixture) : SqlStoreDurabilityTests, IClassFixture<PostgresStorageFixture>
{
    /// <inheritdoc/>
    protected override IStorageFixture Fixture => fixture;
}

using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.State;
using WaOrleans.Protocol.Signal.Stores;
using WaOrleans.Protocol.Signal.Stores.InMemory;

namespace WaOrleans.Simulator;

/// <summary>
/// A phone's Signal store: the reference in-memory store, plus a record of which keys it holds so
/// the whole state can be exported to the data directory and imported after a process restart.
/// Every write reports a change, so the server knows its snapshot is stale.
/// </summary>
/// <remarks>Records stay opaque bytes, as the store contract requires; <see cref="ToString"/> names no key.</remarks>
internal sealed class PhoneSignalStore : ISignalProtocolStore
{
    private readonly InMemorySignalProtocolStore _inner;
    private readonly Action _changed;
    private readonly Lock _lock = new();
    private readonly HashSet<SignalAddress> _identities = [];
    private readonly HashSet<PreKeyId> _preKeys = [];
    private readonly HashSet<SignedPreKeyId> _signedPreKeys = [];
    private readonly HashSet<SignalAddress> _sessions = [];
    private readonly HashSet<SenderKeyName> _senderKeys = [];

    /// <summary>Creates an empty store for the phone's identity; <paramref name="changed"/> runs after every write.</summary>
    public PhoneSignalStore(IdentityKeyPair identity, RegistrationId registrationId, Action changed)
    {
        _inner = new InMemorySignalProtocolStore(identity, registrationId);
        _changed = changed;
    }

    /// <inheritdoc/>
    public ValueTask<IdentityKeyPair> GetIdentityKeyPairAsync(CancellationToken cancellationToken = default) => _inner.GetIdentityKeyPairAsync(cancellationToken);

    /// <inheritdoc/>
    public ValueTask<RegistrationId> GetLocalRegistrationIdAsync(CancellationToken cancellationToken = default) => _inner.GetLocalRegistrationIdAsync(cancellationToken);

    /// <inheritdoc/>
    public async ValueTask<IdentityChange> SaveIdentityAsync(SignalAddress address, IdentityKey identity, CancellationToken cancellationToken = default)
    {
        var change = await _inner.SaveIdentityAsync(address, identity, cancellationToken).ConfigureAwait(false);
        Track(_identities, address);
        return change;
    }

    /// <inheritdoc/>
    public ValueTask<bool> IsTrustedIdentityAsync(SignalAddress address, IdentityKey identity, TrustDirection direction, CancellationToken cancellationToken = default) =>
        _inner.IsTrustedIdentityAsync(address, identity, direction, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<IdentityKey?> GetIdentityAsync(SignalAddress address, CancellationToken cancellationToken = default) => _inner.GetIdentityAsync(address, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<PreKeyRecord?> LoadPreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default) => _inner.LoadPreKeyAsync(id, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask StorePreKeyAsync(PreKeyRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        await _inner.StorePreKeyAsync(record, cancellationToken).ConfigureAwait(false);
        Track(_preKeys, record.Id);
    }

    /// <summary>Stores a one-time prekey at once, for a caller holding the state lock (which cannot await).</summary>
    public void StorePreKey(PreKeyRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        // The reference store writes under its own lock and returns an already completed task.
        _inner.StorePreKeyAsync(record).GetAwaiter().GetResult();
        Track(_preKeys, record.Id);
    }

    /// <inheritdoc/>
    public async ValueTask RemovePreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default)
    {
        await _inner.RemovePreKeyAsync(id, cancellationToken).ConfigureAwait(false);
        Untrack(_preKeys, id);
    }

    /// <inheritdoc/>
    public ValueTask<SignedPreKeyRecord?> LoadSignedPreKeyAsync(SignedPreKeyId id, CancellationToken cancellationToken = default) => _inner.LoadSignedPreKeyAsync(id, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask StoreSignedPreKeyAsync(SignedPreKeyRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        await _inner.StoreSignedPreKeyAsync(record, cancellationToken).ConfigureAwait(false);
        Track(_signedPreKeys, record.Id);
    }

    /// <inheritdoc/>
    public async ValueTask RemoveSignedPreKeyAsync(SignedPreKeyId id, CancellationToken cancellationToken = default)
    {
        await _inner.RemoveSignedPreKeyAsync(id, cancellationToken).ConfigureAwait(false);
        Untrack(_signedPreKeys, id);
    }

    /// <inheritdoc/>
    public ValueTask<SessionRecord?> LoadSessionAsync(SignalAddress address, CancellationToken cancellationToken = default) => _inner.LoadSessionAsync(address, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask StoreSessionAsync(SignalAddress address, SessionRecord record, CancellationToken cancellationToken = default)
    {
        await _inner.StoreSessionAsync(address, record, cancellationToken).ConfigureAwait(false);
        Track(_sessions, address);
    }

    /// <inheritdoc/>
    public async ValueTask DeleteSessionAsync(SignalAddress address, CancellationToken cancellationToken = default)
    {
        await _inner.DeleteSessionAsync(address, cancellationToken).ConfigureAwait(false);
        Untrack(_sessions, address);
    }

    /// <inheritdoc/>
    public ValueTask<SenderKeyRecord?> LoadSenderKeyAsync(SenderKeyName name, CancellationToken cancellationToken = default) => _inner.LoadSenderKeyAsync(name, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask StoreSenderKeyAsync(SenderKeyName name, SenderKeyRecord record, CancellationToken cancellationToken = default)
    {
        await _inner.StoreSenderKeyAsync(name, record, cancellationToken).ConfigureAwait(false);
        Track(_senderKeys, name);
    }

    /// <inheritdoc/>
    public async ValueTask CommitAsync(SignalChangeSet changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        await _inner.CommitAsync(changes, cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            _identities.UnionWith(changes.Identities.Keys);
            _sessions.UnionWith(changes.Sessions.Keys);
            _senderKeys.UnionWith(changes.SenderKeys.Keys);
            _preKeys.ExceptWith(changes.RemovedPreKeys);
        }

        _changed();
    }

    /// <summary>Exports every record as bytes. Callers keep other writers out while it runs.</summary>
    public async Task<StoredSignalRecords> ExportAsync()
    {
        List<SignalAddress> identities, sessions;
        List<PreKeyId> preKeys;
        List<SignedPreKeyId> signedPreKeys;
        List<SenderKeyName> senderKeys;
        lock (_lock)
        {
            (identities, sessions, preKeys, signedPreKeys, senderKeys) = ([.. _identities], [.. _sessions], [.. _preKeys], [.. _signedPreKeys], [.. _senderKeys]);
        }

        var records = new StoredSignalRecords([], [], [], [], []);
        foreach (var address in identities)
        {
            if (await _inner.GetIdentityAsync(address).ConfigureAwait(false) is { } identity)
            {
                records.Identities[address.ToString()] = identity.PublicKeyBytes();
            }
        }

        foreach (var address in sessions)
        {
            if (await _inner.LoadSessionAsync(address).ConfigureAwait(false) is { } session)
            {
                records.Sessions[address.ToString()] = session.Serialize();
            }
        }

        foreach (var id in preKeys)
        {
            if (await _inner.LoadPreKeyAsync(id).ConfigureAwait(false) is { } preKey)
            {
                records.PreKeys[id.Value] = preKey.Serialize();
            }
        }

        foreach (var id in signedPreKeys)
        {
            if (await _inner.LoadSignedPreKeyAsync(id).ConfigureAwait(false) is { } signedPreKey)
            {
                records.SignedPreKeys[id.Value] = signedPreKey.Serialize();
            }
        }

        foreach (var name in senderKeys)
        {
            if (await _inner.LoadSenderKeyAsync(name).ConfigureAwait(false) is { } senderKey)
            {
                records.SenderKeys.Add(new StoredSenderKey(name.GroupId, name.Sender.ToString(), senderKey.Serialize()));
            }
        }

        return records;
    }

    /// <summary>Loads records written by <see cref="ExportAsync"/> into this (empty) store.</summary>
    public async Task ImportAsync(StoredSignalRecords records)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var (address, key) in records.Identities)
        {
            await SaveIdentityAsync(SignalAddress.Parse(address), IdentityKey.FromBytes(key)).ConfigureAwait(false);
        }

        foreach (var (address, session) in records.Sessions)
        {
            await StoreSessionAsync(SignalAddress.Parse(address), SessionRecord.Deserialize(session)).ConfigureAwait(false);
        }

        foreach (var preKey in records.PreKeys.Values)
        {
            await StorePreKeyAsync(PreKeyRecord.Deserialize(preKey)).ConfigureAwait(false);
        }

        foreach (var signedPreKey in records.SignedPreKeys.Values)
        {
            await StoreSignedPreKeyAsync(SignedPreKeyRecord.Deserialize(signedPreKey)).ConfigureAwait(false);
        }

        foreach (var senderKey in records.SenderKeys)
        {
            await StoreSenderKeyAsync(new SenderKeyName(senderKey.GroupId, SignalAddress.Parse(senderKey.Sender)), SenderKeyRecord.Deserialize(senderKey.Record))
                .ConfigureAwait(false);
        }
    }

    /// <summary>Names the store without any key material.</summary>
    public override string ToString() => "PhoneSignalStore";

    private void Track<T>(HashSet<T> keys, T key)
    {
        lock (_lock)
        {
            keys.Add(key);
        }

        _changed();
    }

    private void Untrack<T>(HashSet<T> keys, T key)
    {
        lock (_lock)
        {
            keys.Remove(key);
        }

        _changed();
    }
}

/// <summary>A phone's Signal records as stored in the data directory: opaque record bytes by key.</summary>
/// <param name="Identities">Peer identity public keys by Signal address.</param>
/// <param name="Sessions">Session records by Signal address.</param>
/// <param name="PreKeys">One-time prekey records not yet consumed, by id.</param>
/// <param name="SignedPreKeys">Signed prekey records by id.</param>
/// <param name="SenderKeys">Group sender-key records.</param>
internal sealed record StoredSignalRecords(
    Dictionary<string, byte[]> Identities,
    Dictionary<string, byte[]> Sessions,
    Dictionary<uint, byte[]> PreKeys,
    Dictionary<uint, byte[]> SignedPreKeys,
    List<StoredSenderKey> SenderKeys);

/// <summary>A sender-key record with its group and sender.</summary>
/// <param name="GroupId">The group id of the sender key name.</param>
/// <param name="Sender">The sender's Signal address (<c>name.device</c>).</param>
/// <param name="Record">The serialized record.</param>
internal sealed record StoredSenderKey(string GroupId, string Sender, byte[] Record);

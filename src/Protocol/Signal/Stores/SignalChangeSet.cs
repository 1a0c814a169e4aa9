using WaOrleans.Protocol.Signal.State;

namespace WaOrleans.Protocol.Signal.Stores;

/// <summary>
/// The writes of one Signal operation (a unit of work): records to store, identities to save,
/// prekeys to remove, and pending inbound messages to store or remove (applied by stores that are
/// also an <see cref="IPendingInboundStore"/>). Built while the operation works on its own copies of the records, committed
/// once at its end by <see cref="ISignalProtocolStore.CommitAsync"/>.
/// </summary>
public sealed class SignalChangeSet
{
    private readonly Dictionary<SignalAddress, SessionRecord> _sessions = [];
    private readonly Dictionary<SignalAddress, IdentityKey> _identities = [];
    private readonly HashSet<PreKeyId> _removedPreKeys = [];
    private readonly Dictionary<SenderKeyName, SenderKeyRecord> _senderKeys = [];
    private readonly Dictionary<PendingInboundKey, byte[]> _pendingInbound = [];
    private readonly HashSet<PendingInboundKey> _removedPendingInbound = [];

    /// <summary>Gets the session records to store.</summary>
    public IReadOnlyDictionary<SignalAddress, SessionRecord> Sessions => _sessions;

    /// <summary>Gets the peer identities to save.</summary>
    public IReadOnlyDictionary<SignalAddress, IdentityKey> Identities => _identities;

    /// <summary>Gets the one-time prekeys to remove.</summary>
    public IReadOnlyCollection<PreKeyId> RemovedPreKeys => _removedPreKeys;

    /// <summary>Gets the sender-key records to store.</summary>
    public IReadOnlyDictionary<SenderKeyName, SenderKeyRecord> SenderKeys => _senderKeys;

    /// <summary>Gets the pending inbound messages to store.</summary>
    public IReadOnlyDictionary<PendingInboundKey, byte[]> PendingInbound => _pendingInbound;

    /// <summary>Gets the pending inbound messages to remove.</summary>
    public IReadOnlyCollection<PendingInboundKey> RemovedPendingInbound => _removedPendingInbound;

    /// <summary>Gets whether there is nothing to write.</summary>
    public bool IsEmpty => _sessions.Count == 0 && _identities.Count == 0 && _removedPreKeys.Count == 0 && _senderKeys.Count == 0
        && _pendingInbound.Count == 0 && _removedPendingInbound.Count == 0;

    /// <summary>Adds a session record to store.</summary>
    public void StoreSession(SignalAddress address, SessionRecord record) => _sessions[address] = record;

    /// <summary>Adds a peer identity to save.</summary>
    public void SaveIdentity(SignalAddress address, IdentityKey identity) => _identities[address] = identity;

    /// <summary>Adds a one-time prekey to remove.</summary>
    public void RemovePreKey(PreKeyId id) => _removedPreKeys.Add(id);

    /// <summary>Adds a sender-key record to store.</summary>
    public void StoreSenderKey(SenderKeyName name, SenderKeyRecord record) => _senderKeys[name] = record;

    /// <summary>Adds a pending inbound message to store (its record is opaque to stores).</summary>
    public void StorePendingInbound(PendingInboundKey key, byte[] record)
    {
        ArgumentNullException.ThrowIfNull(record);
        _removedPendingInbound.Remove(key);
        _pendingInbound[key] = record;
    }

    /// <summary>Adds a pending inbound message to remove.</summary>
    public void RemovePendingInbound(PendingInboundKey key)
    {
        _pendingInbound.Remove(key);
        _removedPendingInbound.Add(key);
    }

    /// <summary>
    /// Adds every change of <paramref name="later"/>, which happened after this set's own: a
    /// record both touch ends as <paramref name="later"/> left it.
    /// </summary>
    public void Merge(SignalChangeSet later)
    {
        ArgumentNullException.ThrowIfNull(later);
        foreach (var (address, record) in later._sessions)
        {
            _sessions[address] = record;
        }

        foreach (var (address, identity) in later._identities)
        {
            _identities[address] = identity;
        }

        _removedPreKeys.UnionWith(later._removedPreKeys);
        foreach (var (name, record) in later._senderKeys)
        {
            _senderKeys[name] = record;
        }

        foreach (var key in later._removedPendingInbound)
        {
            RemovePendingInbound(key);
        }

        foreach (var (key, record) in later._pendingInbound)
        {
            StorePendingInbound(key, record);
        }
    }

    /// <summary>
    /// Applies the changes one by one through the narrow store interfaces, for a store that has no
    /// transaction of its own. Prekeys are removed last: a crash in between leaves a prekey that
    /// can be used again, rather than a session that was never stored.
    /// </summary>
    public async ValueTask ApplyOneByOneAsync(ISignalProtocolStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        foreach (var (address, identity) in _identities)
        {
            await store.SaveIdentityAsync(address, identity, cancellationToken).ConfigureAwait(false);
        }

        foreach (var (address, record) in _sessions)
        {
            await store.StoreSessionAsync(address, record, cancellationToken).ConfigureAwait(false);
        }

        foreach (var (name, record) in _senderKeys)
        {
            await store.StoreSenderKeyAsync(name, record, cancellationToken).ConfigureAwait(false);
        }

        if (store is IPendingInboundStore pending)
        {
            foreach (var (key, record) in _pendingInbound)
            {
                await pending.StorePendingInboundAsync(key, record, cancellationToken).ConfigureAwait(false);
            }

            foreach (var key in _removedPendingInbound)
            {
                await pending.RemovePendingInboundAsync(key, cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var id in _removedPreKeys)
        {
            await store.RemovePreKeyAsync(id, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Describes the change set by its counts.</summary>
    public override string ToString() =>
        $"SignalChangeSet(sessions {_sessions.Count}, identities {_identities.Count}, removed prekeys {_removedPreKeys.Count}, sender keys {_senderKeys.Count}, pending inbound {_pendingInbound.Count}, removed pending inbound {_removedPendingInbound.Count})";
}

// The reference store: bytes in dictionaries under one lock. Like every store it must not look
// inside the records it keeps.
using WaOrleans.Protocol.Signal.State;

namespace WaOrleans.Protocol.Signal.Stores.InMemory;

/// <summary>What an identity store does with a peer identity that differs from the stored one.</summary>
public enum ChangedIdentityPolicy
{
    /// <summary>
    /// Trust it and let the operation report <see cref="IdentityChange.ReplacedExisting"/>: what
    /// WhatsApp does (the chat shows "security code changed" and messages keep flowing).
    /// </summary>
    Accept,

    /// <summary>Refuse it (<see cref="SignalErrorKind.UntrustedIdentity"/>) until the application saves the new identity itself.</summary>
    Reject,
}

/// <summary>
/// The reference <see cref="ISignalProtocolStore"/>: every record kept as its serialized bytes
/// (one-time prekeys as bare private keys, their public keys derived on load), so loads return
/// independent copies exactly as a database would, and commits apply under one lock.
/// </summary>
public sealed class InMemorySignalProtocolStore : ISignalProtocolStore, IPendingInboundStore
{
    private readonly Lock _lock = new();
    private readonly IdentityKeyPair _identity;
    private readonly RegistrationId _registrationId;
    private readonly ChangedIdentityPolicy _policy;
    private readonly Dictionary<SignalAddress, byte[]> _identities = [];
    private readonly CompactPreKeyMap _preKeys = new();
    private readonly Dictionary<SignedPreKeyId, byte[]> _signedPreKeys = [];
    private readonly Dictionary<SignalAddress, byte[]> _sessions = [];
    private readonly Dictionary<SenderKeyName, byte[]> _senderKeys = [];
    private readonly Dictionary<PendingInboundKey, byte[]> _pendingInbound = [];

    /// <summary>Creates an empty store for a device with this identity and registration id.</summary>
    public InMemorySignalProtocolStore(IdentityKeyPair identity, RegistrationId registrationId, ChangedIdentityPolicy policy = ChangedIdentityPolicy.Accept)
    {
        ArgumentNullException.ThrowIfNull(identity);
        _identity = identity;
        _registrationId = registrationId;
        _policy = policy;
    }

    /// <inheritdoc/>
    public ValueTask<IdentityKeyPair> GetIdentityKeyPairAsync(CancellationToken cancellationToken = default) => new(_identity);

    /// <inheritdoc/>
    public ValueTask<RegistrationId> GetLocalRegistrationIdAsync(CancellationToken cancellationToken = default) => new(_registrationId);

    /// <inheritdoc/>
    public ValueTask<IdentityChange> SaveIdentityAsync(SignalAddress address, IdentityKey identity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identity);
        lock (_lock)
        {
            return new(SaveIdentityLocked(address, identity));
        }
    }

    /// <inheritdoc/>
    public ValueTask<bool> IsTrustedIdentityAsync(SignalAddress address, IdentityKey identity, TrustDirection direction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identity);
        lock (_lock)
        {
            var trusted = !_identities.TryGetValue(address, out var stored)
                || stored.AsSpan().SequenceEqual(identity.PublicKey)
                || _policy == ChangedIdentityPolicy.Accept;
            return new(trusted);
        }
    }

    /// <inheritdoc/>
    public ValueTask<IdentityKey?> GetIdentityAsync(SignalAddress address, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new(_identities.TryGetValue(address, out var stored) ? IdentityKey.FromBytes(stored) : null);
        }
    }

    /// <inheritdoc/>
    public ValueTask<PreKeyRecord?> LoadPreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new(_preKeys.Load(id));
        }
    }

    /// <inheritdoc/>
    public ValueTask StorePreKeyAsync(PreKeyRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            _preKeys.Store(record);
        }

        return default;
    }

    /// <inheritdoc/>
    public ValueTask RemovePreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _preKeys.Remove(id);
        }

        return default;
    }

    /// <inheritdoc/>
    public ValueTask<SignedPreKeyRecord?> LoadSignedPreKeyAsync(SignedPreKeyId id, CancellationToken cancellationToken = default) =>
        new(Load(_signedPreKeys, id) is { } bytes ? SignedPreKeyRecord.Deserialize(bytes) : null);

    /// <inheritdoc/>
    public ValueTask StoreSignedPreKeyAsync(SignedPreKeyRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        Store(_signedPreKeys, record.Id, record.Serialize());
        return default;
    }

    /// <inheritdoc/>
    public ValueTask RemoveSignedPreKeyAsync(SignedPreKeyId id, CancellationToken cancellationToken = default)
    {
        Remove(_signedPreKeys, id);
        return default;
    }

    /// <inheritdoc/>
    public ValueTask<SessionRecord?> LoadSessionAsync(SignalAddress address, CancellationToken cancellationToken = default) =>
        new(Load(_sessions, address) is { } bytes ? SessionRecord.Deserialize(bytes) : null);

    /// <inheritdoc/>
    public ValueTask StoreSessionAsync(SignalAddress address, SessionRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        Store(_sessions, address, record.Serialize());
        return default;
    }

    /// <inheritdoc/>
    public ValueTask DeleteSessionAsync(SignalAddress address, CancellationToken cancellationToken = default)
    {
        Remove(_sessions, address);
        return default;
    }

    /// <inheritdoc/>
    public ValueTask<SenderKeyRecord?> LoadSenderKeyAsync(SenderKeyName name, CancellationToken cancellationToken = default) =>
        new(Load(_senderKeys, name) is { } bytes ? SenderKeyRecord.Deserialize(bytes) : null);

    /// <inheritdoc/>
    public ValueTask StoreSenderKeyAsync(SenderKeyName name, SenderKeyRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        Store(_senderKeys, name, record.Serialize());
        return default;
    }

    /// <inheritdoc/>
    public ValueTask<byte[]?> LoadPendingInboundAsync(PendingInboundKey key, CancellationToken cancellationToken = default) =>
        new(Load(_pendingInbound, key) is { } bytes ? bytes.ToArray() : null);

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<PendingInbound>> ListPendingInboundAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new(_pendingInbound.Select(p => new PendingInbound(p.Key, p.Value.ToArray())).ToList());
        }
    }

    /// <inheritdoc/>
    public ValueTask StorePendingInboundAsync(PendingInboundKey key, byte[] record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        Store(_pendingInbound, key, record.ToArray());
        return default;
    }

    /// <inheritdoc/>
    public ValueTask RemovePendingInboundAsync(PendingInboundKey key, CancellationToken cancellationToken = default)
    {
        Remove(_pendingInbound, key);
        return default;
    }

    /// <inheritdoc/>
    public ValueTask CommitAsync(SignalChangeSet changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);

        // Serialize before taking the lock: if a record cannot be written, nothing is applied.
        var sessions = changes.Sessions.Select(p => (p.Key, Bytes: p.Value.Serialize())).ToList();
        var senderKeys = changes.SenderKeys.Select(p => (p.Key, Bytes: p.Value.Serialize())).ToList();
        lock (_lock)
        {
            foreach (var (address, identity) in changes.Identities)
            {
                SaveIdentityLocked(address, identity);
            }

            foreach (var (address, bytes) in sessions)
            {
                _sessions[address] = bytes;
            }

            foreach (var (name, bytes) in senderKeys)
            {
                _senderKeys[name] = bytes;
            }

            foreach (var id in changes.RemovedPreKeys)
            {
                _preKeys.Remove(id);
            }

            foreach (var key in changes.RemovedPendingInbound)
            {
                _pendingInbound.Remove(key);
            }

            foreach (var (key, bytes) in changes.PendingInbound)
            {
                _pendingInbound[key] = bytes.ToArray();
            }
        }

        return default;
    }

    /// <summary>
    /// Returns every stored record's bytes in a fixed order, so a test can check that a failed
    /// operation left the store byte-for-byte unchanged.
    /// </summary>
    internal byte[] Snapshot()
    {
        lock (_lock)
        {
            using var stream = new MemoryStream();
            using var writer = new BinaryWriter(stream);
            WriteAll(writer, "identity", _identities);
            WriteAll(writer, "prekey", _preKeys.All().ToDictionary(r => r.Id, r => r.Serialize()));
            WriteAll(writer, "signedprekey", _signedPreKeys);
            WriteAll(writer, "session", _sessions);
            WriteAll(writer, "senderkey", _senderKeys);
            WriteAll(writer, "pendinginbound", _pendingInbound);
            writer.Flush();
            return stream.ToArray();
        }
    }

    private static void WriteAll<TKey>(BinaryWriter writer, string kind, Dictionary<TKey, byte[]> records)
        where TKey : notnull
    {
        foreach (var (key, bytes) in records.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
        {
            writer.Write(kind);
            writer.Write(key.ToString()!);
            writer.Write(bytes.Length);
            writer.Write(bytes);
        }
    }

    private IdentityChange SaveIdentityLocked(SignalAddress address, IdentityKey identity)
    {
        var replaced = _identities.TryGetValue(address, out var stored) && !stored.AsSpan().SequenceEqual(identity.PublicKey);
        _identities[address] = identity.PublicKeyBytes();
        return replaced ? IdentityChange.ReplacedExisting : IdentityChange.NewOrUnchanged;
    }

    private byte[]? Load<TKey>(Dictionary<TKey, byte[]> records, TKey key)
        where TKey : notnull
    {
        lock (_lock)
        {
            return records.GetValueOrDefault(key);
        }
    }

    private void Store<TKey>(Dictionary<TKey, byte[]> records, TKey key, byte[] bytes)
        where TKey : notnull
    {
        lock (_lock)
        {
            records[key] = bytes;
        }
    }

    private void Remove<TKey>(Dictionary<TKey, byte[]> records, TKey key)
        where TKey : notnull
    {
        lock (_lock)
        {
            records.Remove(key);
        }
    }
}

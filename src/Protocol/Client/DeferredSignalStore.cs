using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.State;
using WaOrleans.Protocol.Signal.Stores;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// A Signal store that collects the commits of several operations (every <c>enc</c> of one
/// stanza) into one <see cref="SignalChangeSet"/> instead of writing them, and reads its own
/// uncommitted writes first. The client then commits that set once: on receipt together with the
/// decrypted message, so the ratchet never moves without the message it produced (durability
/// rule 1); on a send once for all devices, before the stanza leaves (rule 2), and together with
/// the caller's record of the message when it asks (<see cref="SendOptions.CommitSignalAsync"/>).
/// </summary>
internal sealed class DeferredSignalStore(ISignalProtocolStore inner) : ISignalProtocolStore
{
    /// <summary>Gets every change collected so far, in the order the operations made them.</summary>
    public SignalChangeSet Changes { get; } = new();

    public ValueTask<IdentityKeyPair> GetIdentityKeyPairAsync(CancellationToken cancellationToken = default) =>
        inner.GetIdentityKeyPairAsync(cancellationToken);

    public ValueTask<RegistrationId> GetLocalRegistrationIdAsync(CancellationToken cancellationToken = default) =>
        inner.GetLocalRegistrationIdAsync(cancellationToken);

    public async ValueTask<IdentityChange> SaveIdentityAsync(SignalAddress address, IdentityKey identity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var stored = await GetIdentityAsync(address, cancellationToken).ConfigureAwait(false);
        Changes.SaveIdentity(address, identity);
        return stored is not null && !stored.Equals(identity) ? IdentityChange.ReplacedExisting : IdentityChange.NewOrUnchanged;
    }

    public ValueTask<bool> IsTrustedIdentityAsync(SignalAddress address, IdentityKey identity, TrustDirection direction, CancellationToken cancellationToken = default) =>
        Changes.Identities.TryGetValue(address, out var pending) && pending.Equals(identity)
            ? new(true)
            : inner.IsTrustedIdentityAsync(address, identity, direction, cancellationToken);

    public ValueTask<IdentityKey?> GetIdentityAsync(SignalAddress address, CancellationToken cancellationToken = default) =>
        Changes.Identities.TryGetValue(address, out var pending) ? new(pending) : inner.GetIdentityAsync(address, cancellationToken);

    public ValueTask<PreKeyRecord?> LoadPreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default) =>
        Changes.RemovedPreKeys.Contains(id) ? new((PreKeyRecord?)null) : inner.LoadPreKeyAsync(id, cancellationToken);

    public ValueTask StorePreKeyAsync(PreKeyRecord record, CancellationToken cancellationToken = default) => throw NotDeferred();

    public ValueTask RemovePreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default)
    {
        Changes.RemovePreKey(id);
        return default;
    }

    public ValueTask<SignedPreKeyRecord?> LoadSignedPreKeyAsync(SignedPreKeyId id, CancellationToken cancellationToken = default) =>
        inner.LoadSignedPreKeyAsync(id, cancellationToken);

    public ValueTask StoreSignedPreKeyAsync(SignedPreKeyRecord record, CancellationToken cancellationToken = default) => throw NotDeferred();

    public ValueTask RemoveSignedPreKeyAsync(SignedPreKeyId id, CancellationToken cancellationToken = default) => throw NotDeferred();

    public ValueTask<SessionRecord?> LoadSessionAsync(SignalAddress address, CancellationToken cancellationToken = default) =>
        Changes.Sessions.TryGetValue(address, out var pending)
            ? new(SessionRecord.Deserialize(pending.Serialize()))
            : inner.LoadSessionAsync(address, cancellationToken);

    public ValueTask StoreSessionAsync(SignalAddress address, SessionRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        Changes.StoreSession(address, SessionRecord.Deserialize(record.Serialize()));
        return default;
    }

    public ValueTask DeleteSessionAsync(SignalAddress address, CancellationToken cancellationToken = default) => throw NotDeferred();

    public ValueTask<SenderKeyRecord?> LoadSenderKeyAsync(SenderKeyName name, CancellationToken cancellationToken = default) =>
        Changes.SenderKeys.TryGetValue(name, out var pending)
            ? new(SenderKeyRecord.Deserialize(pending.Serialize()))
            : inner.LoadSenderKeyAsync(name, cancellationToken);

    public ValueTask StoreSenderKeyAsync(SenderKeyName name, SenderKeyRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        Changes.StoreSenderKey(name, SenderKeyRecord.Deserialize(record.Serialize()));
        return default;
    }

    public ValueTask CommitAsync(SignalChangeSet changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);

        // The operation is done with its records; copies keep later operations from sharing them.
        var copy = new SignalChangeSet();
        foreach (var (address, record) in changes.Sessions)
        {
            copy.StoreSession(address, SessionRecord.Deserialize(record.Serialize()));
        }

        foreach (var (name, record) in changes.SenderKeys)
        {
            copy.StoreSenderKey(name, SenderKeyRecord.Deserialize(record.Serialize()));
        }

        foreach (var (address, identity) in changes.Identities)
        {
            copy.SaveIdentity(address, identity);
        }

        foreach (var id in changes.RemovedPreKeys)
        {
            copy.RemovePreKey(id);
        }

        Changes.Merge(copy);
        return default;
    }

    // Decrypting and encrypting never write these; a caller that does must use the real store.
    private static NotSupportedException NotDeferred() => new("encryption and decryption do not write this record; use the store itself");
}

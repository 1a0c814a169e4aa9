using WaOrleans.Protocol.Signal.State;

namespace WaOrleans.Protocol.Signal.Stores;

/// <summary>Our one-time prekeys, each removed once a session has used it.</summary>
public interface IPreKeyStore
{
    /// <summary>Loads a prekey, or null when it is unknown or already used.</summary>
    ValueTask<PreKeyRecord?> LoadPreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default);

    /// <summary>Stores a prekey under its id, replacing any other.</summary>
    ValueTask StorePreKeyAsync(PreKeyRecord record, CancellationToken cancellationToken = default);

    /// <summary>Removes a prekey; removing an unknown one does nothing.</summary>
    ValueTask RemovePreKeyAsync(PreKeyId id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores a batch of new prekeys (a login's or a top-up's, hundreds at a time). A store with
    /// transactions writes them in one; by default they are stored one by one.
    /// </summary>
    async ValueTask StorePreKeysAsync(IReadOnlyList<PreKeyRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var record in records)
        {
            await StorePreKeyAsync(record, cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>Our signed prekeys (usually the current one and the previous one during a rotation).</summary>
public interface ISignedPreKeyStore
{
    /// <summary>Loads a signed prekey, or null when it is unknown.</summary>
    ValueTask<SignedPreKeyRecord?> LoadSignedPreKeyAsync(SignedPreKeyId id, CancellationToken cancellationToken = default);

    /// <summary>Stores a signed prekey under its id, replacing any other.</summary>
    ValueTask StoreSignedPreKeyAsync(SignedPreKeyRecord record, CancellationToken cancellationToken = default);

    /// <summary>Removes a signed prekey; removing an unknown one does nothing.</summary>
    ValueTask RemoveSignedPreKeyAsync(SignedPreKeyId id, CancellationToken cancellationToken = default);
}

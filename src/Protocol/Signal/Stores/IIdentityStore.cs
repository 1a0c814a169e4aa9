namespace WaOrleans.Protocol.Signal.Stores;

/// <summary>What saving a peer's identity key did.</summary>
public enum IdentityChange
{
    /// <summary>The address had no identity yet (trust on first use), or the same one.</summary>
    NewOrUnchanged,

    /// <summary>
    /// The address had a different identity, now replaced: the peer reinstalled or changed device,
    /// or someone is impersonating it. Tell the user ("security code changed").
    /// </summary>
    ReplacedExisting,
}

/// <summary>Which way a message goes when an identity's trust is checked.</summary>
public enum TrustDirection
{
    /// <summary>We are about to encrypt to, or build a session towards, the peer.</summary>
    Sending,

    /// <summary>We received a message from the peer.</summary>
    Receiving,
}

/// <summary>Our identity and registration id, and the identity keys of peers (trust on first use).</summary>
public interface IIdentityStore
{
    /// <summary>Gets our identity key pair.</summary>
    ValueTask<IdentityKeyPair> GetIdentityKeyPairAsync(CancellationToken cancellationToken = default);

    /// <summary>Gets our registration id.</summary>
    ValueTask<RegistrationId> GetLocalRegistrationIdAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores a peer's identity key, replacing any other; says whether it replaced a different one.</summary>
    ValueTask<IdentityChange> SaveIdentityAsync(SignalAddress address, IdentityKey identity, CancellationToken cancellationToken = default);

    /// <summary>
    /// Decides whether <paramref name="identity"/> may be used for <paramref name="address"/>: an
    /// address with no stored identity is trusted (first use), the stored identity is trusted, and
    /// a different one is up to the store's policy.
    /// </summary>
    ValueTask<bool> IsTrustedIdentityAsync(SignalAddress address, IdentityKey identity, TrustDirection direction, CancellationToken cancellationToken = default);

    /// <summary>Gets a peer's stored identity key, or null when none was seen yet.</summary>
    ValueTask<IdentityKey?> GetIdentityAsync(SignalAddress address, CancellationToken cancellationToken = default);
}

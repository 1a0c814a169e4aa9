// Session setup by X3DH (https://signal.org/docs/specifications/x3dh/, PROTOCOL.md §5.5): from a
// peer's prekey bundle (we initiate) or from a PreKeyWhisperMessage (the peer initiated).
// SessionBuilder must not know chain keys or message keys: it hands X3DH's output to a new
// SessionState and leaves every later ratchet step to SessionCipher and the state.
using WaOrleans.Protocol.Signal.Messages;
using WaOrleans.Protocol.Signal.Ratchet;
using WaOrleans.Protocol.Signal.State;
using WaOrleans.Protocol.Signal.Stores;

namespace WaOrleans.Protocol.Signal;

/// <summary>Builds sessions with one peer device.</summary>
/// <remarks>
/// Operations on one address must not run concurrently (the device grain runs them one at a
/// time); each one commits all of its store changes at once, or none when it fails.
/// </remarks>
public sealed class SessionBuilder
{
    private readonly ISignalProtocolStore _store;
    private readonly SignalAddress _remote;
    private readonly ISignalRandom _random;
    private readonly TimeProvider? _time;

    /// <summary>Creates a builder for sessions with <paramref name="remoteAddress"/>.</summary>
    public SessionBuilder(ISignalProtocolStore store, SignalAddress remoteAddress, ISignalRandom random, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(time);
        _store = store;
        _remote = remoteAddress;
        _random = random;
        _time = time;
    }

    /// <summary>Creates a builder for incoming sessions only, which need no clock.</summary>
    internal SessionBuilder(ISignalProtocolStore store, SignalAddress remoteAddress, ISignalRandom random)
    {
        _store = store;
        _remote = remoteAddress;
        _random = random;
    }

    /// <summary>
    /// Starts a session from the peer's bundle (we are the X3DH initiator). The signed prekey's
    /// signature is verified first. The new session becomes current and the old one is archived;
    /// our messages are PreKeyWhisperMessages until the peer answers.
    /// </summary>
    /// <returns>Whether the bundle's identity replaced a different stored one.</returns>
    /// <exception cref="SignalProtocolException">The identity is not trusted, the signature or a key is invalid.</exception>
    public async Task<IdentityChange> ProcessBundleAsync(PreKeyBundle bundle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var time = _time ?? throw new InvalidOperationException("this builder was made for incoming sessions only");
        var theirIdentity = bundle.IdentityKey;
        if (!await _store.IsTrustedIdentityAsync(_remote, theirIdentity, TrustDirection.Sending, cancellationToken).ConfigureAwait(false))
        {
            SignalProtocolException.Throw(SignalErrorKind.UntrustedIdentity, $"untrusted identity for {_remote} in its prekey bundle");
        }

        var signedPreKey = SignalKeys.ReadPublicKey(bundle.SignedPreKeyPublic.Span, allowRaw: true);
        if (!theirIdentity.VerifySignature(SignalKeys.Serialize(signedPreKey), bundle.SignedPreKeySignature.Span))
        {
            SignalProtocolException.Throw(SignalErrorKind.InvalidSignature, $"the signed prekey of {_remote}'s bundle has an invalid signature");
        }

        var oneTimePreKey = bundle.PreKey is { } opk ? SignalKeys.ReadPublicKey(opk.PublicKey.Span, allowRaw: true) : null;
        var ourIdentity = await _store.GetIdentityKeyPairAsync(cancellationToken).ConfigureAwait(false);
        var localRegistrationId = await _store.GetLocalRegistrationIdAsync(cancellationToken).ConfigureAwait(false);
        var (change, known) = await CompareIdentityAsync(theirIdentity, cancellationToken).ConfigureAwait(false);

        var baseKey = _random.NextKeyPair();
        var ratchetKey = _random.NextKeyPair();
        var (root, _) = X3dh.Initiator(ourIdentity.KeyPair, baseKey, theirIdentity.PublicKey, signedPreKey, oneTimePreKey);

        // Alice's first DH ratchet step uses Bob's signed prekey as his ratchet key.
        var (sendingRoot, sendingChain) = root.CreateChain(signedPreKey, ratchetKey);
        var state = SessionState.Create(
            ourIdentity.PublicKey, theirIdentity, sendingRoot, ratchetKey, sendingChain,
            baseKey.PublicKey, localRegistrationId, bundle.RegistrationId);
        state.SetPendingPreKey(new PendingPreKey(bundle.PreKey?.Id, bundle.SignedPreKeyId, baseKey.PublicKeyBytes(), time.GetUtcNow()));

        var record = await _store.LoadSessionAsync(_remote, cancellationToken).ConfigureAwait(false) ?? new SessionRecord();
        record.PromoteState(state);
        var changes = new SignalChangeSet();
        changes.StoreSession(_remote, record);
        if (!known)
        {
            changes.SaveIdentity(_remote, theirIdentity);
        }

        await _store.CommitAsync(changes, cancellationToken).ConfigureAwait(false);
        return change;
    }

    /// <summary>
    /// Builds the session a PreKeyWhisperMessage starts (we are the X3DH responder) into
    /// <paramref name="record"/>, unless the record already has it, and notes the identity to
    /// save and the one-time prekey to remove in <paramref name="changes"/>. Nothing is stored.
    /// </summary>
    /// <returns>The identity change and the session the message belongs to (new or existing).</returns>
    internal async ValueTask<(IdentityChange Change, SessionState Session)> ProcessPreKeyMessageAsync(
        SessionRecord record, PreKeySignalMessage message, SignalChangeSet changes, CancellationToken cancellationToken)
    {
        var theirIdentity = message.IdentityKey;
        if (!await _store.IsTrustedIdentityAsync(_remote, theirIdentity, TrustDirection.Receiving, cancellationToken).ConfigureAwait(false))
        {
            SignalProtocolException.Throw(SignalErrorKind.UntrustedIdentity, $"untrusted identity for {_remote} in a PreKeyWhisperMessage");
        }

        // A sender repeats its PreKeyWhisperMessage until we answer: the identity is then stored already.
        var (change, known) = await CompareIdentityAsync(theirIdentity, cancellationToken).ConfigureAwait(false);
        if (!known)
        {
            changes.SaveIdentity(_remote, theirIdentity);
        }

        if (record.FindByBaseKey(message.BaseKey) is { } existing)
        {
            // The peer repeats its PreKeyWhisperMessage until we answer; the session exists already.
            // Its identity must be the one the session was built with, or the message would carry
            // a forged identity next to a genuine ciphertext.
            if (!existing.RemoteIdentityBytes.SequenceEqual(theirIdentity.PublicKey))
            {
                SignalProtocolException.Throw(SignalErrorKind.InvalidMessage, $"PreKeyWhisperMessage from {_remote} names another identity than its session");
            }

            return (change, existing);
        }

        var signedPreKey = await _store.LoadSignedPreKeyAsync(message.SignedPreKeyId, cancellationToken).ConfigureAwait(false);
        if (signedPreKey is null)
        {
            SignalProtocolException.Throw(SignalErrorKind.InvalidSignedPreKeyId, $"PreKeyWhisperMessage from {_remote} names unknown signed prekey {message.SignedPreKeyId}");
        }

        PreKeyRecord? oneTimePreKey = null;
        if (message.PreKeyId is { } preKeyId)
        {
            oneTimePreKey = await _store.LoadPreKeyAsync(preKeyId, cancellationToken).ConfigureAwait(false);
            if (oneTimePreKey is null)
            {
                SignalProtocolException.Throw(SignalErrorKind.InvalidPreKeyId, $"PreKeyWhisperMessage from {_remote} names unknown or used prekey {preKeyId}");
            }

            changes.RemovePreKey(preKeyId);
        }

        var ourIdentity = await _store.GetIdentityKeyPairAsync(cancellationToken).ConfigureAwait(false);
        var localRegistrationId = await _store.GetLocalRegistrationIdAsync(cancellationToken).ConfigureAwait(false);
        var (root, chain) = X3dh.Responder(ourIdentity.KeyPair, signedPreKey.KeyPair, oneTimePreKey?.KeyPair, theirIdentity.PublicKey, message.BaseKey);

        // Bob's ratchet key is his signed prekey until the first message makes him step.
        var state = SessionState.Create(
            ourIdentity.PublicKey, theirIdentity, root, signedPreKey.KeyPair, chain,
            message.BaseKey, localRegistrationId, message.RegistrationId);
        record.PromoteState(state);
        return (change, state);
    }

    /// <summary>Compares <paramref name="theirIdentity"/> with the stored one; <c>Known</c> when they are the same, so there is nothing to save.</summary>
    private async ValueTask<(IdentityChange Change, bool Known)> CompareIdentityAsync(IdentityKey theirIdentity, CancellationToken cancellationToken)
    {
        var stored = await _store.GetIdentityAsync(_remote, cancellationToken).ConfigureAwait(false);
        return stored is null ? (IdentityChange.NewOrUnchanged, false)
            : stored.Equals(theirIdentity) ? (IdentityChange.NewOrUnchanged, true)
            : (IdentityChange.ReplacedExisting, false);
    }
}

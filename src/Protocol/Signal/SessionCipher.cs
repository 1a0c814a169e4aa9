// Encrypt and decrypt 1:1 messages (libsignal's session_cipher, PROTOCOL.md §5.5). SessionCipher
// orchestrates: it parses and builds wire messages, runs AES-CBC and the MAC, and commits store
// changes. It never touches root or chain keys directly: SessionState hands it message-key seeds
// and applies ratchet steps only after a message has verified.
using System.Security.Cryptography;
using WaOrleans.Protocol.Signal.Messages;
using WaOrleans.Protocol.Signal.Ratchet;
using WaOrleans.Protocol.Signal.State;
using WaOrleans.Protocol.Signal.Stores;

namespace WaOrleans.Protocol.Signal;

/// <summary>Encrypts to and decrypts from one peer device.</summary>
/// <remarks>
/// Operations on one address must not run concurrently (the device grain runs them one at a
/// time). Each commits all of its store changes at once, or none when it fails: a failed decrypt
/// never leaves a session half-advanced, a prekey removed or an identity saved.
/// </remarks>
public sealed class SessionCipher
{
    private readonly ISignalProtocolStore _store;
    private readonly SignalAddress _remote;
    private readonly ISignalRandom _random;

    /// <summary>Creates a cipher for messages with <paramref name="remoteAddress"/>.</summary>
    public SessionCipher(ISignalProtocolStore store, SignalAddress remoteAddress, ISignalRandom random)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(random);
        _store = store;
        _remote = remoteAddress;
        _random = random;
    }

    /// <summary>Checks whether there is a current session to encrypt with.</summary>
    public async Task<bool> HasSessionAsync(CancellationToken cancellationToken = default) =>
        (await _store.LoadSessionAsync(_remote, cancellationToken).ConfigureAwait(false))?.HasCurrentSession == true;

    /// <summary>
    /// Encrypts with the current session: a PreKeyWhisperMessage while the peer has not answered
    /// yet, a WhisperMessage after.
    /// </summary>
    /// <exception cref="SignalProtocolException">There is no session (<see cref="SignalErrorKind.NoSession"/>) or the peer's identity is no longer trusted.</exception>
    public async Task<EncryptedMessage> EncryptAsync(ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken = default)
    {
        var record = await _store.LoadSessionAsync(_remote, cancellationToken).ConfigureAwait(false);
        var state = record?.Current;
        if (record is null || state is null)
        {
            SignalProtocolException.Throw(SignalErrorKind.NoSession, $"no session with {_remote} to encrypt with");
        }

        if (!await _store.IsTrustedIdentityAsync(_remote, state.RemoteIdentity, TrustDirection.Sending, cancellationToken).ConfigureAwait(false))
        {
            SignalProtocolException.Throw(SignalErrorKind.UntrustedIdentity, $"the identity of {_remote}'s session is no longer trusted");
        }

        var step = state.TakeSendingKey();
        Span<byte> keyBuffer = stackalloc byte[MessageKeys.DerivedSize];
        var keys = new MessageKeys(step.MessageSeed, keyBuffer);
        var ciphertext = AesCbc.Encrypt(keys.CipherKey, keys.Iv, plaintext.Span);
        var message = SignalMessage.Create(
            keys.MacKey, step.RatchetPublicKey, step.Counter, step.PreviousCounter, ciphertext,
            state.LocalIdentity, state.RemoteIdentityBytes);
        CryptographicOperations.ZeroMemory(keyBuffer);

        var encrypted = state.PendingPreKey is { } pending
            ? new EncryptedMessage(CiphertextType.PreKey, PreKeySignalMessage.Create(
                state.LocalRegistrationId, pending.PreKeyId, pending.SignedPreKeyId, pending.BaseKey,
                IdentityKey.FromRawUnchecked(state.LocalIdentity.ToArray()), message).Serialized.ToArray())
            : new EncryptedMessage(CiphertextType.Whisper, message.Serialized.ToArray());

        var changes = new SignalChangeSet();
        changes.StoreSession(_remote, record);
        await _store.CommitAsync(changes, cancellationToken).ConfigureAwait(false);
        return encrypted;
    }

    /// <summary>Decrypts a message of either 1:1 type.</summary>
    /// <exception cref="SignalProtocolException">The message cannot be decrypted; nothing was stored.</exception>
    public Task<DecryptResult> DecryptAsync(EncryptedMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Type switch
        {
            CiphertextType.PreKey => DecryptPreKeyMessageAsync(message.Body, cancellationToken),
            CiphertextType.Whisper => DecryptMessageAsync(message.Body, cancellationToken),
            _ => throw new ArgumentException($"{message.Type} is not a 1:1 message type", nameof(message)),
        };
    }

    /// <summary>
    /// Decrypts a PreKeyWhisperMessage (<c>pkmsg</c>), building the session it starts unless it
    /// exists already; the one-time prekey it used is removed in the same commit.
    /// </summary>
    /// <exception cref="SignalProtocolException">The message cannot be decrypted; nothing was stored.</exception>
    public async Task<DecryptResult> DecryptPreKeyMessageAsync(ReadOnlyMemory<byte> ciphertext, CancellationToken cancellationToken = default)
    {
        var message = PreKeySignalMessage.Parse(ciphertext.Span);
        var record = await _store.LoadSessionAsync(_remote, cancellationToken).ConfigureAwait(false) ?? new SessionRecord();
        var changes = new SignalChangeSet();
        var builder = new SessionBuilder(_store, _remote, _random);
        var (identityChange, session) = await builder.ProcessPreKeyMessageAsync(record, message, changes, cancellationToken).ConfigureAwait(false);

        // Only the session the base key names may read the inner message (as libsignal-node):
        // otherwise a genuine message wrapped in a made-up envelope would install a bogus session.
        var plaintext = DecryptWithState(session, message.Message);
        changes.StoreSession(_remote, record);
        await _store.CommitAsync(changes, cancellationToken).ConfigureAwait(false);
        return new DecryptResult(plaintext, identityChange);
    }

    /// <summary>
    /// Decrypts a WhisperMessage (<c>msg</c>) with the current session or, failing that, an
    /// archived one (which stays archived: we keep sending in the current session).
    /// </summary>
    /// <exception cref="SignalProtocolException">The message cannot be decrypted; nothing was stored.</exception>
    public async Task<DecryptResult> DecryptMessageAsync(ReadOnlyMemory<byte> ciphertext, CancellationToken cancellationToken = default)
    {
        var message = SignalMessage.Parse(ciphertext.Span);
        var record = await _store.LoadSessionAsync(_remote, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            SignalProtocolException.Throw(SignalErrorKind.NoSession, $"no session with {_remote} to decrypt with");
        }

        var (plaintext, state) = DecryptWithRecord(record, message);
        if (!await _store.IsTrustedIdentityAsync(_remote, state.RemoteIdentity, TrustDirection.Receiving, cancellationToken).ConfigureAwait(false))
        {
            SignalProtocolException.Throw(SignalErrorKind.UntrustedIdentity, $"the identity of {_remote}'s session is no longer trusted");
        }

        var changes = new SignalChangeSet();
        changes.StoreSession(_remote, record);
        await _store.CommitAsync(changes, cancellationToken).ConfigureAwait(false);
        return new DecryptResult(plaintext, IdentityChange.NewOrUnchanged);
    }

    // Tries the current session, then archived ones, most recently archived first (libsignal's
    // decrypt_message_with_record). Unlike libsignal (Rust, Java) an archived session that
    // decrypts is not promoted back to current, as libsignal-node does not: a libsignal-node peer
    // that receives a message for an older session first tries its newest one and keeps that
    // failed attempt's ratchet step, which breaks its newest session. Answering in the session
    // the peer built last avoids that; a promoting peer still reads us from its archive.
    private (byte[] Plaintext, SessionState State) DecryptWithRecord(SessionRecord record, SignalMessage message)
    {
        SignalProtocolException? first = null;
        var duplicate = false;
        if (record.Current is { } current)
        {
            if (TryDecrypt(current, message, ref first, ref duplicate) is { } plaintext)
            {
                return (plaintext, current);
            }
        }

        for (var i = 0; i < record.Previous.Count; i++)
        {
            if (TryDecrypt(record.Previous[i], message, ref first, ref duplicate) is { } plaintext)
            {
                return (plaintext, record.Previous[i]);
            }
        }

        if (first is null)
        {
            SignalProtocolException.Throw(SignalErrorKind.NoSession, $"no session with {_remote} to decrypt with");
        }

        // A replay fails in the session it belongs to as a duplicate and elsewhere as a bad MAC;
        // report what it is.
        if (duplicate)
        {
            SignalProtocolException.Throw(SignalErrorKind.DuplicateMessage, $"message from {_remote} was already decrypted", first);
        }

        throw new SignalProtocolException(first.Kind, $"no session with {_remote} decrypts the message: {first.Message}", first);
    }

    private byte[]? TryDecrypt(SessionState state, SignalMessage message, ref SignalProtocolException? first, ref bool duplicate)
    {
        try
        {
            return DecryptWithState(state, message);
        }
        catch (SignalProtocolException e)
        {
            first ??= e;
            duplicate |= e.Kind == SignalErrorKind.DuplicateMessage;
            return null;
        }
    }

    private byte[] DecryptWithState(SessionState state, SignalMessage message)
    {
        var step = state.PlanReceive(message.SenderRatchetKey, message.Counter, _random);
        Span<byte> keyBuffer = stackalloc byte[MessageKeys.DerivedSize];
        try
        {
            var keys = new MessageKeys(step.MessageSeed, keyBuffer);
            if (!message.VerifyMac(state.RemoteIdentityBytes, state.LocalIdentity, keys.MacKey))
            {
                SignalProtocolException.Throw(SignalErrorKind.InvalidMac, "WhisperMessage MAC does not verify");
            }

            var plaintext = AesCbc.Decrypt(keys.CipherKey, keys.Iv, message.Ciphertext.Span);
            state.ApplyReceive(step);
            return plaintext;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyBuffer);
        }
    }
}

// Group messages with sender keys (PROTOCOL.md §5.6, Baileys' Signal/Group, libsignal's
// group_cipher): distribute our chain, take in a member's chain, encrypt signed and decrypt
// verified. GroupCipher orchestrates wire format, AES and signatures; it never steps a chain
// itself: SenderKeyState hands out message seeds and applies a step only after a message verified.
using System.Security.Cryptography;
using WaOrleans.Protocol.Signal.Messages;
using WaOrleans.Protocol.Signal.Ratchet;
using WaOrleans.Protocol.Signal.Stores;

namespace WaOrleans.Protocol.Signal;

/// <summary>Encrypts and decrypts group messages of one sender device in one group.</summary>
/// <remarks>
/// Operations on one name must not run concurrently. A failed decrypt stores nothing.
/// </remarks>
public sealed class GroupCipher
{
    private readonly ISignalProtocolStore _store;
    private readonly SenderKeyName _name;

    /// <summary>Creates a cipher for the sender-key record <paramref name="name"/>.</summary>
    public GroupCipher(ISignalProtocolStore store, SenderKeyName name)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _name = name;
    }

    /// <summary>Encrypts with our sending chain (create it first with <see cref="GroupSessionBuilder.CreateAsync"/>) and signs.</summary>
    /// <exception cref="SignalProtocolException">We have no sending chain in this group (<see cref="SignalErrorKind.NoSession"/>).</exception>
    public async Task<byte[]> EncryptAsync(ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken = default)
    {
        var record = await _store.LoadSenderKeyAsync(_name, cancellationToken).ConfigureAwait(false);
        var state = record?.Newest;
        if (record is null || state is null || state.SigningPrivate.IsEmpty)
        {
            SignalProtocolException.Throw(SignalErrorKind.NoSession, $"no sending sender key for {_name}");
        }

        var (iteration, seed) = state.TakeSendingKey();
        Span<byte> keyBuffer = stackalloc byte[SenderMessageKey.DerivedSize];
        var key = new SenderMessageKey(seed, keyBuffer);
        var ciphertext = AesCbc.Encrypt(key.CipherKey, key.Iv, plaintext.Span);
        CryptographicOperations.ZeroMemory(keyBuffer);
        var message = SenderKeyMessage.Create(state.KeyId, iteration, ciphertext, state.SigningPrivate);

        var changes = new SignalChangeSet();
        changes.StoreSenderKey(_name, record);
        await _store.CommitAsync(changes, cancellationToken).ConfigureAwait(false);
        return message.Serialized.ToArray();
    }

    /// <summary>Verifies and decrypts a member's group message; gaps in iterations are tolerated.</summary>
    /// <exception cref="SignalProtocolException">The message is malformed, its signature fails, its key is unknown or used; nothing was stored.</exception>
    public async Task<byte[]> DecryptAsync(ReadOnlyMemory<byte> ciphertext, CancellationToken cancellationToken = default)
    {
        var message = SenderKeyMessage.Parse(ciphertext.Span);
        var record = await _store.LoadSenderKeyAsync(_name, cancellationToken).ConfigureAwait(false);
        var state = record?.Find(message.KeyId);
        if (record is null || state is null)
        {
            SignalProtocolException.Throw(SignalErrorKind.NoSession, $"no sender key {message.KeyId} for {_name}");
        }

        if (!message.VerifySignature(state.SigningPublic))
        {
            SignalProtocolException.Throw(SignalErrorKind.InvalidSignature, $"group message from {_name} has an invalid signature");
        }

        var step = state.PlanReceive(message.Iteration);
        Span<byte> keyBuffer = stackalloc byte[SenderMessageKey.DerivedSize];
        byte[] plaintext;
        try
        {
            var key = new SenderMessageKey(step.MessageSeed, keyBuffer);
            plaintext = AesCbc.Decrypt(key.CipherKey, key.Iv, message.Ciphertext.Span);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyBuffer);
        }

        state.ApplyReceive(step);
        var changes = new SignalChangeSet();
        changes.StoreSenderKey(_name, record);
        await _store.CommitAsync(changes, cancellationToken).ConfigureAwait(false);
        return plaintext;
    }
}

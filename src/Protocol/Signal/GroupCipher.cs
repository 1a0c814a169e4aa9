// Group messages with sender keys (PROTOCOL.md §5.6, Baileys' Signal/Group, libsignal's
// group_cipher): distribute our chain, take in a member's chain, encrypt signed and decrypt
// verified. GroupCipher orchestrates wire format, AES and signatures; it never steps a chain
// itself: SenderKeyState hands out message seeds and applies a step only after a message verified.
using System.Security.Cryptography;
using WaOrleans.Protocol.Signal.Messages;
using WaOrleans.Protocol.Signal.Ratchet;
using WaOrleans.Protocol.Signal.State;
using WaOrleans.Protocol.Signal.Stores;

namespace WaOrleans.Protocol.Signal;

/// <summary>Creates our sender key for a group and takes in other members' sender keys.</summary>
public sealed class GroupSessionBuilder
{
    private readonly ISignalProtocolStore _store;
    private readonly ISignalRandom _random;

    /// <summary>Creates a builder over a device's stores.</summary>
    public GroupSessionBuilder(ISignalProtocolStore store, ISignalRandom random)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(random);
        _store = store;
        _random = random;
    }

    /// <summary>
    /// Returns the distribution message of our sending chain in <paramref name="name"/>'s group
    /// (the name's sender is our own address), creating the chain on first use: a random key id,
    /// chain seed and signing key pair.
    /// </summary>
    public async Task<SenderKeyDistributionMessage> CreateAsync(SenderKeyName name, CancellationToken cancellationToken = default)
    {
        var record = await _store.LoadSenderKeyAsync(name, cancellationToken).ConfigureAwait(false) ?? new SenderKeyRecord();
        var state = record.Newest;
        if (state is null || state.SigningPrivate.IsEmpty)
        {
            var id = new SenderKeyId(_random.NextUInt32() & SignalConstants.SenderKeyIdMask);
            record.SetSendingState(id, new SenderChainKey(0, _random.NextBytes(SignalConstants.KeySize)), _random.NextKeyPair());
            var changes = new SignalChangeSet();
            changes.StoreSenderKey(name, record);
            await _store.CommitAsync(changes, cancellationToken).ConfigureAwait(false);
            state = record.Newest!;
        }

        var chain = state.ChainKey;
        return SenderKeyDistributionMessage.Create(state.KeyId, chain.Iteration, chain.Seed, state.SigningPublic.ToArray());
    }

    /// <summary>
    /// Takes in a member's distribution message for <paramref name="name"/> (group and sending
    /// device). A distribution already known is kept as it is.
    /// </summary>
    public async Task ProcessAsync(SenderKeyName name, SenderKeyDistributionMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var record = await _store.LoadSenderKeyAsync(name, cancellationToken).ConfigureAwait(false) ?? new SenderKeyRecord();
        record.AddState(message.KeyId, new SenderChainKey(message.Iteration, message.ChainKey), message.SigningKey);
        var changes = new SignalChangeSet();
        changes.StoreSenderKey(name, record);
        await _store.CommitAsync(changes, cancellationToken).ConfigureAwait(false);
    }
}

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

// Sender-key distribution (PROTOCOL.md §5.6, Baileys' group-session-builder): create our chain in
// a group, take in a member's chain. It must not know message keys or the cipher; GroupCipher
// encrypts and decrypts.
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

using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Signal.Stores;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// Stores received messages in the transaction that commits the Signal state which decrypted them
/// (<see cref="WaClient.CommitReceivedAsync"/>), in place of the client's pending copy (DESIGN.md
/// durability rule 1): a crash before the ack leaves them stored, and their redelivery, which the
/// moved ratchet can no longer decrypt, is acked as a duplicate.
/// </summary>
/// <param name="signal">The client's Signal store, to commit <paramref name="changes"/> through.</param>
/// <param name="changes">The decrypt's Signal changes; committed with the messages, or not at all.</param>
/// <param name="messages">The events the message raises once committed, each <see cref="MessageReceivedEvent.IsRecorded"/>; empty when it held only keys.</param>
/// <param name="cancellationToken">Cancels the commit.</param>
/// <returns>True when <paramref name="changes"/> and the messages committed; false when nothing was written and the client should keep a pending copy instead.</returns>
public delegate ValueTask<bool> ReceivedMessageCommit(
    ISignalProtocolStore signal, SignalChangeSet changes, IReadOnlyList<MessageReceivedEvent> messages, CancellationToken cancellationToken);

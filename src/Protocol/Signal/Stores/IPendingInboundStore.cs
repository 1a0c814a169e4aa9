namespace WaOrleans.Protocol.Signal.Stores;

/// <summary>
/// Identifies an inbound message that was decrypted but not yet acknowledged: the stanza's chat
/// (its <c>from</c>), the sending device (its <c>participant</c>, or <c>from</c> again) and the
/// message id, as the stanza spelled them.
/// </summary>
/// <param name="Chat">The chat the stanza came from.</param>
/// <param name="Sender">The device that sent it.</param>
/// <param name="MessageId">The message id.</param>
public readonly record struct PendingInboundKey(string Chat, string Sender, string MessageId);

/// <summary>A pending inbound message: its key and the opaque record the client stored for it.</summary>
/// <param name="Key">The message it is.</param>
/// <param name="Record">The client's bytes; stores never look inside them.</param>
public sealed record PendingInbound(PendingInboundKey Key, byte[] Record);

/// <summary>
/// Decrypted inbound messages waiting for their acknowledgement (DESIGN.md durability rule 1). The
/// client writes one in the same <see cref="ISignalProtocolStore.CommitAsync"/> as the Signal state
/// that decrypted it, and removes it once the ack has gone out: a crash in between leaves the
/// message here, to be delivered again although the ratchet has moved past it.
/// </summary>
public interface IPendingInboundStore
{
    /// <summary>Loads the record of a pending message, or null when there is none.</summary>
    ValueTask<byte[]?> LoadPendingInboundAsync(PendingInboundKey key, CancellationToken cancellationToken = default);

    /// <summary>Lists every pending message (in no particular order).</summary>
    ValueTask<IReadOnlyList<PendingInbound>> ListPendingInboundAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores the record of a pending message, replacing any other.</summary>
    ValueTask StorePendingInboundAsync(PendingInboundKey key, byte[] record, CancellationToken cancellationToken = default);

    /// <summary>Removes a pending message; removing an unknown one does nothing.</summary>
    ValueTask RemovePendingInboundAsync(PendingInboundKey key, CancellationToken cancellationToken = default);
}

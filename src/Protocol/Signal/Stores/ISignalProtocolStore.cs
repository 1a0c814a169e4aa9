// The persistence boundary of the Signal layer (libsignal's storage traits). Stores keep opaque
// records as bytes: they must not interpret a record, step a ratchet or decide what a message
// means; records own their (de)serialization.
namespace WaOrleans.Protocol.Signal.Stores;

/// <summary>
/// All the Signal stores of one device, plus one atomic commit: every encrypt, decrypt and session
/// build collects its writes into a <see cref="SignalChangeSet"/> and hands it to
/// <see cref="CommitAsync"/> at the end, so an operation that fails changes nothing.
/// </summary>
public interface ISignalProtocolStore : IIdentityStore, IPreKeyStore, ISignedPreKeyStore, ISessionStore, ISenderKeyStore
{
    /// <summary>
    /// Applies every change of <paramref name="changes"/> or none of them (one transaction, one
    /// grain-state write, one lock).
    /// </summary>
    ValueTask CommitAsync(SignalChangeSet changes, CancellationToken cancellationToken = default);
}

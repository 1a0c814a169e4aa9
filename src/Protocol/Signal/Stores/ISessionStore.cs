using WaOrleans.Protocol.Signal.State;

namespace WaOrleans.Protocol.Signal.Stores;

/// <summary>Session records by peer device address.</summary>
/// <remarks>
/// A loaded record is the caller's own copy: changing it changes nothing stored until it is
/// stored again. Implementations persist <see cref="SessionRecord.Serialize"/> bytes.
/// </remarks>
public interface ISessionStore
{
    /// <summary>Loads the record of an address, or null when there is none.</summary>
    ValueTask<SessionRecord?> LoadSessionAsync(SignalAddress address, CancellationToken cancellationToken = default);

    /// <summary>Stores the record of an address, replacing any other.</summary>
    ValueTask StoreSessionAsync(SignalAddress address, SessionRecord record, CancellationToken cancellationToken = default);

    /// <summary>Deletes the record of an address; deleting an unknown one does nothing.</summary>
    ValueTask DeleteSessionAsync(SignalAddress address, CancellationToken cancellationToken = default);
}

/// <summary>Sender-key records by (group, sender device).</summary>
/// <remarks>A loaded record is the caller's own copy, as for <see cref="ISessionStore"/>.</remarks>
public interface ISenderKeyStore
{
    /// <summary>Loads the record of a sender in a group, or null when there is none.</summary>
    ValueTask<SenderKeyRecord?> LoadSenderKeyAsync(SenderKeyName name, CancellationToken cancellationToken = default);

    /// <summary>Stores the record of a sender in a group, replacing any other.</summary>
    ValueTask StoreSenderKeyAsync(SenderKeyName name, SenderKeyRecord record, CancellationToken cancellationToken = default);
}

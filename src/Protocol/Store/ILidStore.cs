using WaOrleans.Protocol.Binary;

namespace WaOrleans.Protocol.Store;

/// <summary>
/// The LID ↔ phone-number mappings a device learns from stanzas and USync (PROTOCOL.md §5.4, §6.2).
/// Users only: device parts are dropped before storing and looking up.
/// </summary>
public interface ILidStore
{
    /// <summary>Stores that <paramref name="lid"/> and <paramref name="phoneNumber"/> are the same user, replacing older mappings of either.</summary>
    ValueTask StoreMappingAsync(Jid lid, Jid phoneNumber, CancellationToken cancellationToken = default);

    /// <summary>Gets the phone-number JID of a LID user, or null when unknown.</summary>
    ValueTask<Jid?> GetPhoneNumberAsync(Jid lid, CancellationToken cancellationToken = default);

    /// <summary>Gets the LID of a phone-number user, or null when unknown.</summary>
    ValueTask<Jid?> GetLidAsync(Jid phoneNumber, CancellationToken cancellationToken = default);
}

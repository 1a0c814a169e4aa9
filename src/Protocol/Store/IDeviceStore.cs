using WaOrleans.Protocol.Signal.Stores;

namespace WaOrleans.Protocol.Store;

/// <summary>
/// Everything one linked device persists: its credentials, its Signal keys and sessions, and the
/// LID mappings it learned. The client writes credentials in whole records and Signal state in
/// change sets (<see cref="ISignalProtocolStore.CommitAsync"/>), so an implementation can map each
/// write to one transaction or one grain-state write.
/// </summary>
public interface IDeviceStore
{
    /// <summary>Gets the LID ↔ phone-number mapping store.</summary>
    ILidStore Lids { get; }

    /// <summary>Loads the credentials, or null for a device that was never created or was wiped.</summary>
    ValueTask<DeviceCredentials?> LoadCredentialsAsync(CancellationToken cancellationToken = default);

    /// <summary>Saves the credentials, replacing the stored ones.</summary>
    ValueTask SaveCredentialsAsync(DeviceCredentials credentials, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens the Signal store of the device these credentials belong to (their identity and
    /// registration id); the same store until <see cref="WipeAsync"/>.
    /// </summary>
    ValueTask<ISignalProtocolStore> OpenSignalStoreAsync(DeviceCredentials credentials, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the credentials, the Signal state and the mappings: the device was logged out and
    /// must pair again. Wiping an empty store does nothing.
    /// </summary>
    ValueTask WipeAsync(CancellationToken cancellationToken = default);
}

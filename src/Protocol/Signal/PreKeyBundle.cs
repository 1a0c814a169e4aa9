namespace WaOrleans.Protocol.Signal;

/// <summary>
/// What the server hands out for a peer's device to start a session with it (PROTOCOL.md §5.4
/// <c>&lt;user&gt;</c> reply): identity, signed prekey with signature, and optionally one one-time prekey.
/// </summary>
/// <param name="RegistrationId">The device's registration id.</param>
/// <param name="DeviceId">The device.</param>
/// <param name="SignedPreKeyId">The signed prekey's id.</param>
/// <param name="SignedPreKeyPublic">The signed prekey (32 raw bytes or 33 with <c>05</c>).</param>
/// <param name="SignedPreKeySignature">The identity's signature over <c>05 || signed prekey</c> (64 bytes).</param>
/// <param name="IdentityKey">The device's identity key.</param>
/// <param name="PreKey">The one-time prekey, when the server had one left.</param>
public sealed record PreKeyBundle(
    RegistrationId RegistrationId,
    DeviceId DeviceId,
    SignedPreKeyId SignedPreKeyId,
    ReadOnlyMemory<byte> SignedPreKeyPublic,
    ReadOnlyMemory<byte> SignedPreKeySignature,
    IdentityKey IdentityKey,
    BundlePreKey? PreKey = null)
{
    /// <summary>Describes the bundle by its ids (no key bytes).</summary>
    public override string ToString() =>
        $"PreKeyBundle(device {DeviceId}, registration {RegistrationId}, prekey {PreKey?.Id.ToString() ?? "none"}, signed prekey {SignedPreKeyId}, {IdentityKey})";
}

/// <summary>The one-time prekey of a bundle.</summary>
/// <param name="Id">The prekey id.</param>
/// <param name="PublicKey">The prekey (32 raw bytes or 33 with <c>05</c>).</param>
public readonly record struct BundlePreKey(PreKeyId Id, ReadOnlyMemory<byte> PublicKey)
{
    /// <summary>Describes the prekey by its id.</summary>
    public override string ToString() => $"BundlePreKey({Id})";
}

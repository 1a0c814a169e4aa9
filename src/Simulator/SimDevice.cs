using WaOrleans.Protocol.Binary;

namespace WaOrleans.Simulator;

/// <summary>
/// A linked companion device (PROTOCOL.md §10.1): its JIDs, the Noise key it must log in with,
/// its Signal registration data and the prekeys it uploaded.
/// </summary>
/// <remarks>Mutable state is guarded by <see cref="SimState"/>'s lock.</remarks>
internal sealed class SimDevice
{
    /// <summary>Creates a device record for a completed pairing.</summary>
    public SimDevice(SimAccount account, ushort deviceId, uint keyIndex, byte[] noiseKey, SignalRegistration registration)
    {
        Account = account;
        DeviceId = deviceId;
        KeyIndex = keyIndex;
        NoiseKey = noiseKey;
        Registration = registration;
    }

    /// <summary>Gets the account the device belongs to.</summary>
    public SimAccount Account { get; }

    /// <summary>Gets the device id within the account.</summary>
    public ushort DeviceId { get; }

    /// <summary>Gets the ADV key index the phone gave the device.</summary>
    public uint KeyIndex { get; }

    /// <summary>Gets the Noise static public key the device registered with.</summary>
    public byte[] NoiseKey { get; }

    /// <summary>Gets the device's Signal identity and registration id.</summary>
    public SignalRegistration Registration { get; set; }

    /// <summary>Gets the one-time prekeys uploaded and not yet handed out, by id.</summary>
    public Dictionary<uint, byte[]> PreKeys { get; } = [];

    /// <summary>
    /// Gets the stanzas routed to the device and not yet acknowledged by it, oldest first: sent
    /// live when it is online, and all sent again (marked offline) when it logs in.
    /// </summary>
    public List<Node> Undelivered { get; } = [];

    /// <summary>Gets the Signal peer behind a companion the simulator runs itself, or null for a real client's device.</summary>
    public SimulatedPeer? Peer { get; init; }

    /// <summary>Gets or sets the live connection, if the device is online.</summary>
    public SimConnection? Connection { get; set; }

    /// <summary>Gets the device's PN JID.</summary>
    public Jid Jid => Account.PhoneJid.WithDevice(DeviceId);

    /// <summary>Gets the device's LID JID.</summary>
    public Jid Lid => Account.Lid.WithDevice(DeviceId);

    /// <summary>Describes the device by its JID.</summary>
    public override string ToString() => $"SimDevice({Jid})";
}

/// <summary>A companion the simulator runs itself: its identity key pair, its Signal state, and what it received.</summary>
/// <param name="Identity">The companion's identity key pair.</param>
/// <param name="Signal">Its Signal state.</param>
/// <remarks><see cref="ToString"/> names the Signal state only, never the key pair.</remarks>
internal sealed record SimulatedPeer(Protocol.Crypto.KeyPair Identity, PhoneSignal Signal)
{
    /// <summary>Gets what the companion received and decrypted, in arrival order; guarded by the state lock.</summary>
    public List<PhoneInboxEntry> Inbox { get; } = [];

    /// <summary>Describes the peer without key material.</summary>
    public override string ToString() => $"SimulatedPeer({Signal})";
}

/// <summary>The Signal identity material a companion registers with and refreshes by prekey uploads (PROTOCOL.md §2.3, §5.4).</summary>
/// <param name="RegistrationId">The registration id.</param>
/// <param name="IdentityKey">The 32-byte identity public key.</param>
/// <param name="SignedPreKeyId">The signed prekey's id.</param>
/// <param name="SignedPreKey">The 32-byte signed prekey public key.</param>
/// <param name="SignedPreKeySignature">The identity key's 64-byte signature over <c>05 || signed prekey</c>.</param>
internal sealed record SignalRegistration(
    uint RegistrationId, byte[] IdentityKey, uint SignedPreKeyId, byte[] SignedPreKey, byte[] SignedPreKeySignature);

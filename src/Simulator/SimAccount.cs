using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Crypto;

namespace WaOrleans.Simulator;

/// <summary>
/// One WhatsApp account: a phone number, its LID, and the primary phone's identity key pair, which
/// is both the Signal identity of device 0 and the ADV account signature key (PROTOCOL.md §10.1).
/// </summary>
/// <remarks>Mutable state is guarded by <see cref="SimState"/>'s lock.</remarks>
internal sealed class SimAccount
{
    private readonly Dictionary<ushort, SimDevice> _companions = [];

    /// <summary>Creates an account around the phone's identity key pair and its Signal state.</summary>
    public SimAccount(string phone, string lidUser, string pushName, KeyPair identity, PhoneSignal signal)
    {
        Phone = phone;
        LidUser = lidUser;
        PushName = pushName;
        Identity = identity;
        Signal = signal;
    }

    /// <summary>Gets the phone number (the PN user part, digits only).</summary>
    public string Phone { get; }

    /// <summary>Gets the LID user part.</summary>
    public string LidUser { get; }

    /// <summary>Gets the push name the phone shows to others.</summary>
    public string PushName { get; }

    /// <summary>Gets the primary phone's identity key pair.</summary>
    public KeyPair Identity { get; }

    /// <summary>Gets the phone's own Signal state (device 0).</summary>
    public PhoneSignal Signal { get; }

    /// <summary>Gets the messages the phone sent, by id, kept so it can resend one a device asks for again; oldest first.</summary>
    public Dictionary<string, PhoneSentMessage> Sent { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets or sets whether a device of the account announced itself available most recently.</summary>
    public bool Available { get; set; }

    /// <summary>Gets or sets when the account last announced a presence.</summary>
    public DateTimeOffset? LastSeen { get; set; }

    /// <summary>Gets the devices subscribed to this account's presence.</summary>
    public HashSet<SimDevice> PresenceSubscribers { get; } = [];

    /// <summary>Gets the receipts for messages the phone sent, in arrival order.</summary>
    public List<PhoneReceipt> Receipts { get; } = [];

    /// <summary>Gets what the phone (device 0) received, in arrival order.</summary>
    public List<PhoneInboxEntry> Inbox { get; } = [];

    /// <summary>Gets how many key bundles of the phone (device 0) the server handed out, so a test can tell a fetched bundle from one sent in a retry receipt.</summary>
    public int BundlesServed { get; set; }

    /// <summary>Gets the privacy tokens the phone issued, by the LID user of the account it issued each to.</summary>
    public Dictionary<string, byte[]> IssuedTokens { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets or sets whether the phone ignores retry receipts for what it sent, as a phone that went offline would; set through the control API.</summary>
    public bool IgnoreRetries { get; set; }

    /// <summary>Gets or sets whether the phone and its simulated companions stay silent about what they cannot decrypt (no retry receipts); set through the control API.</summary>
    public bool SendNoRetries { get; set; }

    /// <summary>Gets the account's PN JID without a device.</summary>
    public Jid PhoneJid => new(Phone, JidServer.PhoneNumber);

    /// <summary>Gets the account's LID JID without a device.</summary>
    public Jid Lid => new(LidUser, JidServer.Lid);

    /// <summary>Gets the linked companion devices.</summary>
    public IEnumerable<SimDevice> Companions => _companions.Values;

    /// <summary>Gets the ADV key index the next linked device receives; the phone counts them up from 1.</summary>
    public uint NextKeyIndex { get; private set; } = 1;

    /// <summary>Restores the next key index saved with the account (a process restart must not reuse a device id).</summary>
    public void RestoreNextKeyIndex(uint nextKeyIndex) => NextKeyIndex = Math.Max(NextKeyIndex, nextKeyIndex);

    /// <summary>Finds a linked companion by device id.</summary>
    public SimDevice? FindCompanion(ushort deviceId) => _companions.GetValueOrDefault(deviceId);

    /// <summary>Reserves the next device id and key index for a device being linked.</summary>
    public (ushort DeviceId, uint KeyIndex) ReserveDeviceSlot()
    {
        var keyIndex = NextKeyIndex++;
        // Device ids follow the key index: neither is reused after an unlink, as on WhatsApp.
        return ((ushort)keyIndex, keyIndex);
    }

    /// <summary>Adds a companion whose pairing completed.</summary>
    public void AddCompanion(SimDevice device) => _companions[device.DeviceId] = device;

    /// <summary>Removes a companion; returns it, or null if it was not linked.</summary>
    public SimDevice? RemoveCompanion(ushort deviceId) => _companions.Remove(deviceId, out var device) ? device : null;

    /// <summary>Describes the account by its JIDs.</summary>
    public override string ToString() => $"SimAccount({PhoneJid}, {Lid})";
}

/// <summary>A message the simulated phone received and what it made of it.</summary>
/// <param name="From">The sending device.</param>
/// <param name="Id">The message id.</param>
/// <param name="EncType">The Signal message type (<c>pkmsg</c>, <c>msg</c>, <c>skmsg</c>).</param>
/// <param name="Message">The decrypted message, or null if it did not decrypt.</param>
/// <param name="Error">Why it did not decrypt, or null.</param>
/// <param name="Received">When the server routed it.</param>
/// <param name="Media">What the phone found when it fetched and decrypted the message's media, if it has any.</param>
/// <param name="TcToken"><c>valid</c> or <c>invalid</c> when the stanza carried a privacy token, else null.</param>
internal sealed record PhoneInboxEntry(Jid From, string Id, string EncType, Protocol.Proto.Message? Message, string? Error, DateTimeOffset Received, MediaCheck? Media = null,
    string? TcToken = null);

/// <summary>The phone's check of a media message: the kind, the decrypted size, and why it failed if it did.</summary>
/// <param name="Kind">image, video, audio, document or sticker.</param>
/// <param name="Size">The decrypted size in bytes, or 0 on failure.</param>
/// <param name="Error">Null when the blob was found, its hashes matched and it decrypted.</param>
internal sealed record MediaCheck(string Kind, int Size, string? Error);

/// <summary>A message the phone sent, kept for retry receipts.</summary>
/// <param name="Content">The message.</param>
/// <param name="Group">The group it went to, or null for a 1:1 message.</param>
internal sealed record PhoneSentMessage(Protocol.Proto.Message Content, Jid? Group);

/// <summary>A receipt for a message the phone sent.</summary>
/// <param name="From">The device that sent the receipt.</param>
/// <param name="Id">The message id.</param>
/// <param name="Type">The receipt type (absent means delivered).</param>
/// <param name="WithKeys">Whether a retry receipt carried the sender's key bundle.</param>
internal sealed record PhoneReceipt(Jid From, string Id, string? Type, bool WithKeys = false);

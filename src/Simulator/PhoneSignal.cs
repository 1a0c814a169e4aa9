using System.Security.Cryptography;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.Messages;
using WaOrleans.Protocol.Signal.State;

namespace WaOrleans.Simulator;

/// <summary>
/// A simulated phone's Signal side (device 0): its prekeys, served in bundles like any device's,
/// and its sessions, so it decrypts what companions send it and encrypts what it sends them
/// (PROTOCOL.md §5, §10.1). The identity is the account key.
/// </summary>
/// <remarks>Private keys stay inside; <see cref="ToString"/> names only the registration id.</remarks>
internal sealed class PhoneSignal
{
    /// <summary>
    /// How many one-time prekeys a phone hands out; after that, bundles go without one, which the
    /// protocol allows. Each is generated when first handed out, so thousands of load-test phones
    /// cost neither key generation nor space in the saved state until a peer asks for their bundle.
    /// </summary>
    private const uint PreKeyStock = 100;

    private readonly PhoneSignalStore _store;
    private readonly TimeProvider _time;
    private readonly Action _changed;
    private uint _nextPreKeyId;
    // The ratchets are not thread-safe: one operation at a time per phone.
    private readonly SemaphoreSlim _gate = new(1, 1);

    private PhoneSignal(PhoneSignalStore store, TimeProvider time, Action changed, SignalRegistration registration, uint nextPreKeyId)
    {
        _store = store;
        _time = time;
        _changed = changed;
        Registration = registration;
        _nextPreKeyId = nextPreKeyId;
    }

    /// <summary>Gets the public registration data served in the phone's bundles.</summary>
    public SignalRegistration Registration { get; }

    /// <summary>
    /// Creates the phone's Signal state: registration id and signed prekey (one-time prekeys come
    /// when handed out); <paramref name="changed"/> runs whenever the state changes, so it can be saved.
    /// </summary>
    public static async Task<PhoneSignal> CreateAsync(KeyPair identity, TimeProvider time, Action changed)
    {
        var random = SystemSignalRandom.Instance;
        var identityPair = new IdentityKeyPair(identity);
        var registrationId = KeyHelper.GenerateRegistrationId(random);
        var store = new PhoneSignalStore(identityPair, registrationId, changed);
        var signedPreKey = KeyHelper.GenerateSignedPreKey(identityPair, new SignedPreKeyId(1), random, time);
        await store.StoreSignedPreKeyAsync(signedPreKey).ConfigureAwait(false);
        var registration = new SignalRegistration(registrationId.Value, identity.PublicKeyBytes(), signedPreKey.Id.Value,
            signedPreKey.KeyPair.PublicKeyBytes(), signedPreKey.SignatureBytes());
        return new PhoneSignal(store, time, changed, registration, nextPreKeyId: 1);
    }

    /// <summary>Recreates a phone's Signal state saved by <see cref="ExportAsync"/>.</summary>
    /// <exception cref="InvalidDataException">The saved state lacks the signed prekey its registration names.</exception>
    public static async Task<PhoneSignal> RestoreAsync(KeyPair identity, TimeProvider time, Action changed, StoredPhoneSignal stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var store = new PhoneSignalStore(new IdentityKeyPair(identity), new RegistrationId(stored.Registration.RegistrationId), changed);
        await store.ImportAsync(stored.Records).ConfigureAwait(false);
        return new PhoneSignal(store, time, changed, stored.Registration, stored.NextPreKeyId);
    }

    /// <summary>Exports the whole state (private keys included) for the data directory, waiting for any operation in progress.</summary>
    public async Task<StoredPhoneSignal> ExportAsync(Lock stateLock)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            uint nextPreKeyId;
            lock (stateLock)
            {
                nextPreKeyId = _nextPreKeyId;
            }

            return new StoredPhoneSignal(Registration, nextPreKeyId, await _store.ExportAsync().ConfigureAwait(false));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Hands out the next one-time prekey for a bundle, or null once the stock is spent. Call under the state lock.</summary>
    public (uint Id, byte[] Key)? TakePreKey()
    {
        if (_nextPreKeyId > PreKeyStock)
        {
            return null;
        }

        var preKey = KeyHelper.GeneratePreKeys(new PreKeyId(_nextPreKeyId++), 1, SystemSignalRandom.Instance)[0];
        _store.StorePreKey(preKey);
        return (preKey.Id.Value, preKey.KeyPair.PublicKeyBytes());
    }

    /// <summary>Decrypts a <c>pkmsg</c> or <c>msg</c> from <paramref name="from"/> and strips WhatsApp's padding.</summary>
    /// <exception cref="SignalProtocolException">The message does not decrypt.</exception>
    public async Task<byte[]> DecryptAsync(SignalAddress from, string type, byte[] ciphertext)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var cipher = new SessionCipher(_store, from, SystemSignalRandom.Instance);
            var result = type == "pkmsg"
                ? await cipher.DecryptPreKeyMessageAsync(ciphertext).ConfigureAwait(false)
                : await cipher.DecryptMessageAsync(ciphertext).ConfigureAwait(false);
            return MessagePadding.Unpad(result.Plaintext);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Pads and encrypts for <paramref name="to"/>, first opening a session from the bundle <paramref name="fetchBundle"/> returns if there is none.</summary>
    public async Task<EncryptedMessage> EncryptAsync(SignalAddress to, Func<PreKeyBundle> fetchBundle, byte[] message)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var cipher = new SessionCipher(_store, to, SystemSignalRandom.Instance);
            if (!await cipher.HasSessionAsync().ConfigureAwait(false))
            {
                await new SessionBuilder(_store, to, SystemSignalRandom.Instance, _time).ProcessBundleAsync(fetchBundle()).ConfigureAwait(false);
            }

            return await cipher.EncryptAsync(MessagePadding.Pad(message)).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets the session with a device, so the next message to it starts a new one from a fresh bundle (how a phone answers a retry receipt).</summary>
    public async Task ResetSessionAsync(SignalAddress address)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await _store.DeleteSessionAsync(address).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Takes in a member's sender key for a group (from a decrypted SenderKeyDistributionMessage).</summary>
    /// <exception cref="SignalProtocolException">The distribution message is malformed.</exception>
    public async Task ProcessSenderKeyAsync(SenderKeyName name, byte[] distribution)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await new GroupSessionBuilder(_store, SystemSignalRandom.Instance)
                .ProcessAsync(name, SenderKeyDistributionMessage.Parse(distribution)).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Decrypts a member's <c>skmsg</c> and strips the padding.</summary>
    /// <exception cref="SignalProtocolException">No sender key is known or the message does not verify.</exception>
    public async Task<byte[]> GroupDecryptAsync(SenderKeyName name, byte[] ciphertext)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            return MessagePadding.Unpad(await new GroupCipher(_store, name).DecryptAsync(ciphertext).ConfigureAwait(false));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Encrypts for a group under the phone's own sender key; returns the distribution message members need and the <c>skmsg</c>.</summary>
    public async Task<(byte[] Distribution, byte[] Ciphertext)> GroupEncryptAsync(SenderKeyName own, byte[] message)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var distribution = await new GroupSessionBuilder(_store, SystemSignalRandom.Instance).CreateAsync(own).ConfigureAwait(false);
            var ciphertext = await new GroupCipher(_store, own).EncryptAsync(MessagePadding.Pad(message)).ConfigureAwait(false);
            return (distribution.Serialized.ToArray(), ciphertext);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Returns the distribution message of the phone's current sender key for a group, for a member that lost it.</summary>
    public async Task<byte[]> SenderKeyDistributionAsync(SenderKeyName own)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            return (await new GroupSessionBuilder(_store, SystemSignalRandom.Instance).CreateAsync(own).ConfigureAwait(false)).Serialized.ToArray();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Describes the phone's Signal state by its registration id.</summary>
    public override string ToString() => $"PhoneSignal(registration {Registration.RegistrationId})";
}

/// <summary>A phone's saved Signal state.</summary>
/// <param name="Registration">The public registration data served in bundles.</param>
/// <param name="NextPreKeyId">The id of the next one-time prekey to hand out.</param>
/// <param name="Records">The store's records.</param>
internal sealed record StoredPhoneSignal(SignalRegistration Registration, uint NextPreKeyId, StoredSignalRecords Records);

/// <summary>WhatsApp's random padding of message plaintexts: 1 to 16 bytes, each holding the pad length (Baileys <c>writeRandomPadMax16</c>).</summary>
internal static class MessagePadding
{
    /// <summary>The largest pad WhatsApp appends.</summary>
    private const int MaxPad = 16;

    /// <summary>Appends 1 to 16 padding bytes.</summary>
    public static byte[] Pad(byte[] message)
    {
        var pad = (byte)RandomNumberGenerator.GetInt32(1, MaxPad + 1);
        var padded = new byte[message.Length + pad];
        message.CopyTo(padded, 0);
        padded.AsSpan(message.Length).Fill(pad);
        return padded;
    }

    /// <summary>Removes the padding; a plaintext whose last byte is not a valid pad length is returned as is.</summary>
    public static byte[] Unpad(byte[] padded)
    {
        var pad = padded.Length == 0 ? 0 : padded[^1];
        return pad is > 0 and <= MaxPad && pad <= padded.Length ? padded[..^pad] : padded;
    }
}

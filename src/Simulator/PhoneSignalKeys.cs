using System.Security.Cryptography;
using WaOrleans.Protocol.Crypto;

namespace WaOrleans.Simulator;

/// <summary>
/// The Signal prekeys of a simulated phone (device 0), served in bundles like any device's so
/// clients can open sessions to it (PROTOCOL.md §5.4, §10.1). The identity is the account key.
/// </summary>
/// <remarks>Guarded by <see cref="SimState"/>'s lock. Private halves stay here; they never leave the process.</remarks>
internal sealed class PhoneSignalKeys
{
    /// <summary>How many one-time prekeys the phone keeps in stock; it tops up as they are handed out, as a phone would upload more.</summary>
    private const int PreKeyStock = 20;

    /// <summary>Registration ids are 14-bit numbers in Baileys (PROTOCOL.md §2.3).</summary>
    private const int RegistrationIdLimit = 0x3FFF;

    private readonly Dictionary<uint, KeyPair> _preKeys = [];
    private uint _nextPreKeyId = 1;

    /// <summary>Creates the phone's registration id, signed prekey and first one-time prekeys.</summary>
    public PhoneSignalKeys(KeyPair identity)
    {
        SignedPreKey = Curve25519.GenerateKeyPair();
        byte[] signed = [PreKeyCodec.KeyTypeByte, .. SignedPreKey.PublicKey];
        Registration = new SignalRegistration(
            (uint)RandomNumberGenerator.GetInt32(1, RegistrationIdLimit + 1), identity.PublicKeyBytes(),
            SignedPreKeyId, SignedPreKey.PublicKeyBytes(), Curve25519.Sign(identity.PrivateKey, signed));
        TopUp();
    }

    /// <summary>The phone's signed prekey id.</summary>
    public const uint SignedPreKeyId = 1;

    /// <summary>Gets the public registration data served in bundles.</summary>
    public SignalRegistration Registration { get; }

    /// <summary>Gets the signed prekey pair (the phone needs its private half to accept sessions).</summary>
    public KeyPair SignedPreKey { get; }

    /// <summary>Finds an unused one-time prekey pair by id (to accept a session that used it).</summary>
    public KeyPair? FindPreKey(uint id) => _preKeys.GetValueOrDefault(id);

    /// <summary>Hands out the lowest unused one-time prekey and tops the stock up.</summary>
    public (uint Id, byte[] Key) TakePreKey()
    {
        var id = _preKeys.Keys.Min();
        var key = _preKeys[id].PublicKeyBytes();
        _preKeys.Remove(id);
        TopUp();
        return (id, key);
    }

    private void TopUp()
    {
        while (_preKeys.Count < PreKeyStock)
        {
            _preKeys[_nextPreKeyId++] = Curve25519.GenerateKeyPair();
        }
    }
}

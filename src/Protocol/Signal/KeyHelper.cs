using WaOrleans.Protocol.Signal.State;

namespace WaOrleans.Protocol.Signal;

/// <summary>
/// Generates a device's long-term Signal material (PROTOCOL.md §5.1, §5.3): identity, registration
/// id, one-time prekeys and signed prekeys.
/// </summary>
public static class KeyHelper
{
    /// <summary>Generates a 14-bit registration id (never 0, which peers read as "absent").</summary>
    public static RegistrationId GenerateRegistrationId(ISignalRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        while (true)
        {
            var id = random.NextUInt32() & SignalConstants.RegistrationIdMask;
            if (id != 0)
            {
                return new RegistrationId(id);
            }
        }
    }

    /// <summary>
    /// Generates <paramref name="count"/> one-time prekeys with consecutive ids from
    /// <paramref name="start"/>, wrapping from <see cref="SignalConstants.MaxPreKeyId"/> back to 1.
    /// </summary>
    public static IReadOnlyList<PreKeyRecord> GeneratePreKeys(PreKeyId start, int count, ISignalRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (start.Value is 0 or > SignalConstants.MaxPreKeyId)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, "prekey ids run from 1 to 0xFFFFFF");
        }

        var keys = new PreKeyRecord[count];
        var id = start.Value;
        for (var i = 0; i < count; i++)
        {
            keys[i] = new PreKeyRecord(new PreKeyId(id), random.NextKeyPair());
            id = id == SignalConstants.MaxPreKeyId ? 1 : id + 1;
        }

        return keys;
    }

    /// <summary>Generates a signed prekey: a fresh key pair signed by the identity over <c>05 || pub</c>.</summary>
    public static SignedPreKeyRecord GenerateSignedPreKey(IdentityKeyPair identity, SignedPreKeyId id, ISignalRandom random, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(time);
        var pair = random.NextKeyPair();
        var signature = identity.Sign(SignalKeys.Serialize(pair.PublicKey));
        return new SignedPreKeyRecord(id, pair, signature, time.GetUtcNow());
    }
}

// The libsignal v3 1:1 wire messages (PROTOCOL.md §5.5): parse, build and MAC. This file knows
// the byte layout only; it must not know sessions, chains or stores.
using System.Buffers;
using System.Security.Cryptography;
using Google.Protobuf;
using WaOrleans.Protocol.Proto;

namespace WaOrleans.Protocol.Signal.Messages;

/// <summary>
/// A WhisperMessage (<c>msg</c>): <c>33 || protobuf{ratchet key, counter, previous counter,
/// ciphertext} || mac8</c>, where mac8 is the first 8 bytes of HMAC-SHA256(mac key,
/// senderIdentity33 || receiverIdentity33 || 33 || protobuf).
/// </summary>
public sealed class SignalMessage
{
    private const int MinimumSize = 1 + SignalConstants.MacSize + 1;

    /// <summary>Largest MAC input assembled on the stack; longer messages rent a buffer.</summary>
    private const int MacInputStackLimit = 1024;

    private readonly byte[] _serialized;

    private SignalMessage(byte[] serialized, byte[] senderRatchetKey, uint counter, uint previousCounter, ByteString ciphertext)
    {
        _serialized = serialized;
        SenderRatchetKey = senderRatchetKey;
        Counter = counter;
        PreviousCounter = previousCounter;
        Ciphertext = ciphertext;
    }

    /// <summary>Gets the message counter in its sending chain.</summary>
    public uint Counter { get; }

    /// <summary>Gets the counter of the last message of the sender's previous chain.</summary>
    public uint PreviousCounter { get; }

    /// <summary>Gets the whole message as sent.</summary>
    public ReadOnlyMemory<byte> Serialized => _serialized;

    /// <summary>Gets the sender's ratchet public key (raw 32 bytes).</summary>
    internal byte[] SenderRatchetKey { get; }

    /// <summary>Gets the AES-256-CBC ciphertext.</summary>
    internal ByteString Ciphertext { get; }

    /// <summary>Parses a WhisperMessage.</summary>
    /// <exception cref="SignalProtocolException">The bytes are not a v3 WhisperMessage (<see cref="SignalErrorKind.InvalidMessage"/>, <see cref="SignalErrorKind.InvalidVersion"/>, <see cref="SignalErrorKind.InvalidKey"/>).</exception>
    public static SignalMessage Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < MinimumSize)
        {
            SignalProtocolException.Throw(SignalErrorKind.InvalidMessage, $"WhisperMessage too short ({bytes.Length} bytes)");
        }

        WireFormat.CheckVersion(bytes[0], "WhisperMessage");
        var proto = WireFormat.ParseProto(WhisperMessage.Parser, bytes[1..^SignalConstants.MacSize], "WhisperMessage");
        if (!proto.HasEphemeralKey || !proto.HasCounter || !proto.HasCiphertext)
        {
            SignalProtocolException.Throw(SignalErrorKind.InvalidMessage, "WhisperMessage lacks its ratchet key, counter or ciphertext");
        }

        WireFormat.CheckCiphertext(proto.Ciphertext, "WhisperMessage");
        return new SignalMessage(bytes.ToArray(), SignalKeys.ReadPublicKey(proto.EphemeralKey), proto.Counter, proto.PreviousCounter, proto.Ciphertext);
    }

    /// <summary>Builds and MACs a WhisperMessage.</summary>
    internal static SignalMessage Create(
        ReadOnlySpan<byte> macKey, byte[] senderRatchetKey, uint counter, uint previousCounter, byte[] ciphertext,
        ReadOnlySpan<byte> senderIdentity, ReadOnlySpan<byte> receiverIdentity)
    {
        var ciphertextBytes = SignalKeys.Wrap(ciphertext);
        var proto = new WhisperMessage
        {
            EphemeralKey = SignalKeys.SerializeToByteString(senderRatchetKey),
            Counter = counter,
            PreviousCounter = previousCounter,
            Ciphertext = ciphertextBytes,
        };
        var protoSize = proto.CalculateSize();
        var serialized = new byte[1 + protoSize + SignalConstants.MacSize];
        serialized[0] = SignalConstants.VersionByte;
        proto.WriteTo(serialized.AsSpan(1, protoSize));
        ComputeMac(macKey, senderIdentity, receiverIdentity, serialized.AsSpan(0, 1 + protoSize), serialized.AsSpan(1 + protoSize));
        return new SignalMessage(serialized, senderRatchetKey, counter, previousCounter, ciphertextBytes);
    }

    /// <summary>Checks the MAC: the message came from <paramref name="senderIdentity"/> to <paramref name="receiverIdentity"/> under this key.</summary>
    internal bool VerifyMac(ReadOnlySpan<byte> senderIdentity, ReadOnlySpan<byte> receiverIdentity, ReadOnlySpan<byte> macKey)
    {
        Span<byte> expected = stackalloc byte[SignalConstants.MacSize];
        ComputeMac(macKey, senderIdentity, receiverIdentity, _serialized.AsSpan(0, _serialized.Length - SignalConstants.MacSize), expected);
        return CryptographicOperations.FixedTimeEquals(expected, _serialized.AsSpan(_serialized.Length - SignalConstants.MacSize));
    }

    /// <summary>Describes the message by its counters.</summary>
    public override string ToString() => $"SignalMessage(counter {Counter}, previous {PreviousCounter}, {Ciphertext.Length} ciphertext bytes)";

    private static void ComputeMac(
        ReadOnlySpan<byte> macKey, ReadOnlySpan<byte> senderIdentity, ReadOnlySpan<byte> receiverIdentity,
        ReadOnlySpan<byte> versionAndProto, Span<byte> mac)
    {
        // One-shot HMAC over senderIdentity33 || receiverIdentity33 || message, assembled in one buffer.
        const int IdentitiesSize = 2 * SignalConstants.SerializedPublicKeySize;
        var size = IdentitiesSize + versionAndProto.Length;
        var rented = size > MacInputStackLimit ? ArrayPool<byte>.Shared.Rent(size) : null;
        var input = rented is null ? stackalloc byte[MacInputStackLimit] : rented;
        input = input[..size];
        input[0] = SignalConstants.DjbKeyType;
        senderIdentity.CopyTo(input[1..]);
        input[SignalConstants.SerializedPublicKeySize] = SignalConstants.DjbKeyType;
        receiverIdentity.CopyTo(input[(SignalConstants.SerializedPublicKeySize + 1)..]);
        versionAndProto.CopyTo(input[IdentitiesSize..]);
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(macKey, input, full);
        full[..SignalConstants.MacSize].CopyTo(mac);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}

/// <summary>
/// A PreKeyWhisperMessage (<c>pkmsg</c>): <c>33 || protobuf{prekey id, base key, identity key,
/// message, registration id, signed prekey id}</c>; the first messages of a session, which let the
/// receiver run X3DH.
/// </summary>
public sealed class PreKeySignalMessage
{
    private readonly byte[] _serialized;

    private PreKeySignalMessage(
        byte[] serialized, RegistrationId registrationId, PreKeyId? preKeyId, SignedPreKeyId signedPreKeyId,
        byte[] baseKey, IdentityKey identityKey, SignalMessage message)
    {
        _serialized = serialized;
        RegistrationId = registrationId;
        PreKeyId = preKeyId;
        SignedPreKeyId = signedPreKeyId;
        BaseKey = baseKey;
        IdentityKey = identityKey;
        Message = message;
    }

    /// <summary>Gets the sender's registration id.</summary>
    public RegistrationId RegistrationId { get; }

    /// <summary>Gets our one-time prekey the sender used, if any.</summary>
    public PreKeyId? PreKeyId { get; }

    /// <summary>Gets our signed prekey the sender used.</summary>
    public SignedPreKeyId SignedPreKeyId { get; }

    /// <summary>Gets the sender's identity key.</summary>
    public IdentityKey IdentityKey { get; }

    /// <summary>Gets the WhisperMessage inside.</summary>
    public SignalMessage Message { get; }

    /// <summary>Gets the whole message as sent.</summary>
    public ReadOnlyMemory<byte> Serialized => _serialized;

    /// <summary>Gets the sender's X3DH base key (raw 32 bytes).</summary>
    internal byte[] BaseKey { get; }

    /// <summary>Parses a PreKeyWhisperMessage and the WhisperMessage inside it.</summary>
    /// <exception cref="SignalProtocolException">The bytes are not a v3 PreKeyWhisperMessage.</exception>
    public static PreKeySignalMessage Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 2)
        {
            SignalProtocolException.Throw(SignalErrorKind.InvalidMessage, $"PreKeyWhisperMessage too short ({bytes.Length} bytes)");
        }

        WireFormat.CheckVersion(bytes[0], "PreKeyWhisperMessage");
        var proto = WireFormat.ParseProto(PreKeyWhisperMessage.Parser, bytes[1..], "PreKeyWhisperMessage");
        if (!proto.HasSignedPreKeyId || !proto.HasBaseKey || !proto.HasIdentityKey || !proto.HasMessage)
        {
            SignalProtocolException.Throw(SignalErrorKind.InvalidMessage, "PreKeyWhisperMessage lacks a signed prekey id, base key, identity or message");
        }

        return new PreKeySignalMessage(
            bytes.ToArray(),
            new RegistrationId(proto.RegistrationId),
            proto.HasPreKeyId ? new PreKeyId(proto.PreKeyId) : null,
            new SignedPreKeyId(proto.SignedPreKeyId),
            SignalKeys.ReadPublicKey(proto.BaseKey),
            IdentityKey.FromRawUnchecked(SignalKeys.ReadPublicKey(proto.IdentityKey)),
            SignalMessage.Parse(proto.Message.Span));
    }

    /// <summary>Wraps a WhisperMessage with the X3DH values of an unanswered session.</summary>
    internal static PreKeySignalMessage Create(
        RegistrationId registrationId, PreKeyId? preKeyId, SignedPreKeyId signedPreKeyId,
        byte[] baseKey, IdentityKey identityKey, SignalMessage message)
    {
        var proto = new PreKeyWhisperMessage
        {
            RegistrationId = registrationId.Value,
            SignedPreKeyId = signedPreKeyId.Value,
            BaseKey = SignalKeys.SerializeToByteString(baseKey),
            IdentityKey = SignalKeys.SerializeToByteString(identityKey.PublicKey),
            Message = UnsafeByteOperations.UnsafeWrap(message.Serialized),
        };
        if (preKeyId is { } id)
        {
            proto.PreKeyId = id.Value;
        }

        var protoSize = proto.CalculateSize();
        var serialized = new byte[1 + protoSize];
        serialized[0] = SignalConstants.VersionByte;
        proto.WriteTo(serialized.AsSpan(1));
        return new PreKeySignalMessage(serialized, registrationId, preKeyId, signedPreKeyId, baseKey, identityKey, message);
    }

    /// <summary>Describes the message by its ids.</summary>
    public override string ToString() =>
        $"PreKeySignalMessage(registration {RegistrationId}, prekey {PreKeyId?.ToString() ?? "none"}, signed prekey {SignedPreKeyId}, {Message})";
}

using Google.Protobuf;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Signal.Storage;

namespace WaOrleans.Protocol.Signal.State;

/// <summary>A one-time prekey we published: used by exactly one incoming session, then removed.</summary>
/// <remarks><see cref="ToString"/> prints the id only.</remarks>
public sealed class PreKeyRecord
{
    /// <summary>Creates the record of a prekey.</summary>
    public PreKeyRecord(PreKeyId id, KeyPair keyPair)
    {
        ArgumentNullException.ThrowIfNull(keyPair);
        Id = id;
        KeyPair = keyPair;
    }

    /// <summary>Gets the prekey id.</summary>
    public PreKeyId Id { get; }

    /// <summary>Gets the key pair.</summary>
    public KeyPair KeyPair { get; }

    /// <summary>Reads a record written by <see cref="Serialize"/>.</summary>
    /// <exception cref="SignalProtocolException">The bytes are not a prekey record (<see cref="SignalErrorKind.CorruptRecord"/>).</exception>
    public static PreKeyRecord Deserialize(ReadOnlySpan<byte> bytes)
    {
        var s = RecordParser.Parse(PreKeyRecordStructure.Parser, bytes, "prekey");
        return new PreKeyRecord(new PreKeyId(s.Id), SignalKeys.ReadKeyPair(s.PublicKey, s.PrivateKey));
    }

    /// <summary>Serializes the record to the stable storage format.</summary>
    public byte[] Serialize() => RecordParser.ToBytes(new PreKeyRecordStructure
    {
        Id = Id.Value,
        PublicKey = ByteString.CopyFrom(KeyPair.PublicKey),
        PrivateKey = ByteString.CopyFrom(KeyPair.PrivateKey),
    });

    /// <summary>Describes the record by its id.</summary>
    public override string ToString() => $"PreKeyRecord({Id})";
}

/// <summary>A signed prekey we published: its public key signed by our identity (over <c>05 || pub</c>).</summary>
/// <remarks><see cref="ToString"/> prints the id and time only.</remarks>
public sealed class SignedPreKeyRecord
{
    private readonly byte[] _signature;

    /// <summary>Creates the record of a signed prekey.</summary>
    public SignedPreKeyRecord(SignedPreKeyId id, KeyPair keyPair, ReadOnlySpan<byte> signature, DateTimeOffset timestamp)
    {
        ArgumentNullException.ThrowIfNull(keyPair);
        if (signature.Length != Curve25519.SignatureSize)
        {
            throw new ArgumentException($"a signature is {Curve25519.SignatureSize} bytes", nameof(signature));
        }

        Id = id;
        KeyPair = keyPair;
        _signature = signature.ToArray();
        Timestamp = timestamp;
    }

    /// <summary>Gets the signed prekey id.</summary>
    public SignedPreKeyId Id { get; }

    /// <summary>Gets the key pair.</summary>
    public KeyPair KeyPair { get; }

    /// <summary>Gets the identity's 64-byte signature over <c>05 || public key</c>.</summary>
    public ReadOnlySpan<byte> Signature => _signature;

    /// <summary>Gets when the key was generated (for rotation).</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>Reads a record written by <see cref="Serialize"/>.</summary>
    /// <exception cref="SignalProtocolException">The bytes are not a signed prekey record (<see cref="SignalErrorKind.CorruptRecord"/>).</exception>
    public static SignedPreKeyRecord Deserialize(ReadOnlySpan<byte> bytes)
    {
        var s = RecordParser.Parse(SignedPreKeyRecordStructure.Parser, bytes, "signed prekey");
        if (s.Signature.Length != Curve25519.SignatureSize)
        {
            SignalProtocolException.Throw(SignalErrorKind.CorruptRecord, "stored signed prekey has no valid signature");
        }

        return new SignedPreKeyRecord(
            new SignedPreKeyId(s.Id),
            SignalKeys.ReadKeyPair(s.PublicKey, s.PrivateKey),
            s.Signature.Span,
            DateTimeOffset.FromUnixTimeMilliseconds(s.TimestampUnixMs));
    }

    /// <summary>Copies the signature into a new array.</summary>
    public byte[] SignatureBytes() => (byte[])_signature.Clone();

    /// <summary>Serializes the record to the stable storage format.</summary>
    public byte[] Serialize() => RecordParser.ToBytes(new SignedPreKeyRecordStructure
    {
        Id = Id.Value,
        PublicKey = ByteString.CopyFrom(KeyPair.PublicKey),
        PrivateKey = ByteString.CopyFrom(KeyPair.PrivateKey),
        Signature = ByteString.CopyFrom(_signature),
        TimestampUnixMs = Timestamp.ToUnixTimeMilliseconds(),
    });

    /// <summary>Describes the record by its id and time.</summary>
    public override string ToString() => $"SignedPreKeyRecord({Id}, {Timestamp:O})";
}

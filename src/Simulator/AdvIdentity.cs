using System.Security.Cryptography;
using Google.Protobuf;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Proto;

namespace WaOrleans.Simulator;

/// <summary>The phone's side of ADV (PROTOCOL.md §4.2): signs a new companion and checks its counter-signature.</summary>
internal static class AdvIdentity
{
    /// <summary>
    /// Builds the serialized <c>ADVSignedDeviceIdentityHMAC</c> for <c>pair-success</c>: the device
    /// identity signed by the account key, wrapped in an HMAC keyed by the companion's ADV secret.
    /// </summary>
    public static byte[] BuildSigned(
        KeyPair account, ReadOnlySpan<byte> companionIdentity, uint keyIndex, ReadOnlySpan<byte> advSecret, DateTimeOffset now)
    {
        var details = new ADVDeviceIdentity
        {
            RawId = (uint)RandomNumberGenerator.GetInt32(int.MaxValue),
            Timestamp = (ulong)now.ToUnixTimeSeconds(),
            KeyIndex = keyIndex,
        }.ToByteArray();
        byte[] accountMessage = [.. SimConstants.AdvAccountSignaturePrefix, .. details, .. companionIdentity];
        var signed = new ADVSignedDeviceIdentity
        {
            Details = ByteString.CopyFrom(details),
            AccountSignatureKey = ByteString.CopyFrom(account.PublicKey),
            AccountSignature = ByteString.CopyFrom(Curve25519.Sign(account.PrivateKey, accountMessage)),
        }.ToByteArray();
        return new ADVSignedDeviceIdentityHMAC
        {
            Details = ByteString.CopyFrom(signed),
            Hmac = ByteString.CopyFrom(HMACSHA256.HashData(advSecret, signed)),
        }.ToByteArray();
    }

    /// <summary>
    /// Checks the companion's <c>pair-device-sign</c> identity: same details the phone signed, and a
    /// device signature by the companion identity over <c>06 01 || details || identity || account key</c>.
    /// </summary>
    /// <returns>The decoded identity, or null when it does not match or does not verify.</returns>
    public static ADVSignedDeviceIdentity? VerifyDeviceSignature(
        ReadOnlySpan<byte> signedIdentity, ReadOnlySpan<byte> expectedDetails, ReadOnlySpan<byte> companionIdentity, ReadOnlySpan<byte> accountKey)
    {
        ADVSignedDeviceIdentity identity;
        try
        {
            identity = ADVSignedDeviceIdentity.Parser.ParseFrom(signedIdentity);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }

        if (!identity.Details.Span.SequenceEqual(expectedDetails) || identity.DeviceSignature.Length != Curve25519.SignatureSize)
        {
            return null;
        }

        byte[] message = [.. SimConstants.AdvDeviceSignaturePrefix, .. identity.Details.Span, .. companionIdentity, .. accountKey];
        return Curve25519.Verify(companionIdentity, message, identity.DeviceSignature.Span) ? identity : null;
    }

    /// <summary>Returns the inner device details of a serialized <c>ADVSignedDeviceIdentityHMAC</c> built by <see cref="BuildSigned"/>.</summary>
    public static byte[] DetailsOf(byte[] signedHmac) =>
        ADVSignedDeviceIdentity.Parser.ParseFrom(ADVSignedDeviceIdentityHMAC.Parser.ParseFrom(signedHmac).Details).Details.ToByteArray();
}

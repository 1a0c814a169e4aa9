using System.Security.Cryptography;
using Google.Protobuf;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Proto;
using WaOrleans.Protocol.Signal;

namespace WaOrleans.Protocol.Client;

/// <summary>What a verified pair-success yields.</summary>
/// <param name="Account">The ADVSignedDeviceIdentity with our device signature, all fields kept (stored as the account).</param>
/// <param name="Reply">The same identity without <c>accountSignatureKey</c>, sent back in pair-device-sign.</param>
/// <param name="AccountSignatureKey">The primary phone's identity public key (32 bytes).</param>
/// <param name="KeyIndex">The key index the phone gave this device.</param>
internal sealed record VerifiedPairing(byte[] Account, byte[] Reply, byte[] AccountSignatureKey, uint KeyIndex)
{
    /// <summary>Describes the pairing by key index only.</summary>
    public override string ToString() => $"VerifiedPairing(key index {KeyIndex})";
}

/// <summary>
/// The companion's side of ADV (PROTOCOL.md §4.2): checks the HMAC and the phone's account
/// signature of a pair-success, then counter-signs as the device. Really verified, unlike Baileys.
/// </summary>
internal static class AdvPairing
{
    /// <summary>Verifies a serialized ADVSignedDeviceIdentityHMAC and signs it as our device.</summary>
    /// <exception cref="PairingException">The HMAC or the account signature does not verify, or the bytes do not decode.</exception>
    public static VerifiedPairing VerifyAndSign(ReadOnlySpan<byte> signedHmac, ReadOnlySpan<byte> advSecret, IdentityKeyPair identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var container = Parse(ADVSignedDeviceIdentityHMAC.Parser, signedHmac, "device identity HMAC container");
        if (container.Hmac.Length != HMACSHA256.HashSizeInBytes)
        {
            throw new PairingException(IqErrors.NotAuthorized, "hmac-mismatch", "pair-success carries no HMAC");
        }

        var hosted = container.HasAccountType && container.AccountType == ADVEncryptionType.Hosted;
        byte[] hmacInput = hosted ? [.. ClientConstants.AdvHostedHmacPrefix, .. container.Details.Span] : container.Details.ToByteArray();
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(advSecret, hmacInput, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, container.Hmac.Span))
        {
            throw new PairingException(IqErrors.NotAuthorized, "hmac-mismatch", "the pair-success HMAC does not match our ADV secret");
        }

        var signed = Parse(ADVSignedDeviceIdentity.Parser, container.Details.Span, "signed device identity");
        var details = Parse(ADVDeviceIdentity.Parser, signed.Details.Span, "device identity details");
        var accountKey = signed.AccountSignatureKey.Span;
        if (accountKey.Length != Curve25519.KeySize || signed.AccountSignature.Length != Curve25519.SignatureSize)
        {
            throw new PairingException(IqErrors.NotAuthorized, "signature-mismatch", "the account signature or its key has the wrong size");
        }

        var accountPrefix = details.HasDeviceType && details.DeviceType == ADVEncryptionType.Hosted
            ? ClientConstants.AdvHostedAccountSignaturePrefix
            : ClientConstants.AdvAccountSignaturePrefix;
        var ourIdentity = identity.KeyPair.PublicKey;
        byte[] accountMessage = [.. accountPrefix, .. signed.Details.Span, .. ourIdentity];
        if (!Curve25519.Verify(accountKey, accountMessage, signed.AccountSignature.Span))
        {
            throw new PairingException(IqErrors.NotAuthorized, "signature-mismatch", "the phone's account signature does not verify");
        }

        byte[] deviceMessage = [.. ClientConstants.AdvDeviceSignaturePrefix, .. signed.Details.Span, .. ourIdentity, .. accountKey];
        signed.DeviceSignature = ByteString.CopyFrom(identity.Sign(deviceMessage));
        var account = signed.ToByteArray();
        var reply = signed.Clone();
        reply.ClearAccountSignatureKey();
        return new VerifiedPairing(account, reply.ToByteArray(), accountKey.ToArray(), details.KeyIndex);
    }

    private static T Parse<T>(MessageParser<T> parser, ReadOnlySpan<byte> bytes, string what)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new PairingException(IqErrors.InternalServerError, "internal-error", $"failed to decode the {what}", ex);
        }
    }
}

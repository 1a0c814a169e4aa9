using System.Security.Cryptography;
using Google.Protobuf;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Proto;
using WaOrleans.Protocol.Signal;

namespace WaOrleans.Client.Tests.Client;

/// <summary>The pair-success checks with crafted inputs WaSim would never send: forged signatures, hosted prefixes, garbage.</summary>
public sealed class AdvPairingTests
{
    private static readonly byte[] AdvSecret = RandomNumberGenerator.GetBytes(32);
    private readonly IdentityKeyPair _companion = IdentityKeyPair.Generate(SystemSignalRandom.Instance);
    private readonly KeyPair _phone = Curve25519.GenerateKeyPair();

    [Fact]
    public void A_genuine_pair_success_verifies_and_is_counter_signed_with_06_01()
    {
        var details = Details(keyIndex: 7);
        var verified = AdvPairing.VerifyAndSign(Container(details, Sign(_phone, [6, 0], details)), AdvSecret, _companion);

        Assert.Equal(7u, verified.KeyIndex);
        Assert.Equal(_phone.PublicKeyBytes(), verified.AccountSignatureKey);
        var account = ADVSignedDeviceIdentity.Parser.ParseFrom(verified.Account);
        byte[] deviceMessage = [6, 1, .. details, .. _companion.KeyPair.PublicKey, .. _phone.PublicKey];
        Assert.True(Curve25519.Verify(_companion.KeyPair.PublicKey, deviceMessage, account.DeviceSignature.Span));
        Assert.True(account.HasAccountSignatureKey);
        var reply = ADVSignedDeviceIdentity.Parser.ParseFrom(verified.Reply);
        Assert.False(reply.HasAccountSignatureKey);
        Assert.Equal(account.DeviceSignature, reply.DeviceSignature);
    }

    [Fact]
    public void An_account_signature_by_another_key_is_refused_with_signature_mismatch()
    {
        var details = Details(keyIndex: 1);
        var impostor = Curve25519.GenerateKeyPair();
        var signature = Sign(impostor, [6, 0], details);

        var error = Assert.Throws<PairingException>(() => AdvPairing.VerifyAndSign(Container(details, signature), AdvSecret, _companion));
        Assert.Equal((401, "signature-mismatch"), (error.Code, error.Text));
    }

    [Fact]
    public void An_account_signature_over_another_companion_identity_is_refused()
    {
        var details = Details(keyIndex: 1);
        var other = Curve25519.GenerateKeyPair();
        byte[] message = [6, 0, .. details, .. other.PublicKey];
        var signature = Curve25519.Sign(_phone.PrivateKey, message);

        var error = Assert.Throws<PairingException>(() => AdvPairing.VerifyAndSign(Container(details, signature), AdvSecret, _companion));
        Assert.Equal("signature-mismatch", error.Text);
    }

    [Fact]
    public void A_hosted_device_must_be_signed_with_the_06_05_prefix()
    {
        var details = Details(keyIndex: 2, hosted: true);
        Assert.Throws<PairingException>(() => AdvPairing.VerifyAndSign(Container(details, Sign(_phone, [6, 0], details)), AdvSecret, _companion));
        var verified = AdvPairing.VerifyAndSign(Container(details, Sign(_phone, [6, 5], details)), AdvSecret, _companion);
        Assert.Equal(2u, verified.KeyIndex);
    }

    [Fact]
    public void A_tampered_identity_or_another_secret_fails_the_hmac()
    {
        var details = Details(keyIndex: 1);
        var container = ADVSignedDeviceIdentityHMAC.Parser.ParseFrom(Container(details, Sign(_phone, [6, 0], details)));

        var wrongSecret = Assert.Throws<PairingException>(() => AdvPairing.VerifyAndSign(container.ToByteArray(), new byte[32], _companion));
        Assert.Equal((401, "hmac-mismatch"), (wrongSecret.Code, wrongSecret.Text));

        var tampered = container.Clone();
        var bytes = tampered.Details.ToByteArray();
        bytes[^1] ^= 1;
        tampered.Details = ByteString.CopyFrom(bytes);
        Assert.Equal("hmac-mismatch", Assert.Throws<PairingException>(() => AdvPairing.VerifyAndSign(tampered.ToByteArray(), AdvSecret, _companion)).Text);
    }

    [Fact]
    public void Undecodable_bytes_are_an_internal_error()
    {
        var error = Assert.Throws<PairingException>(() => AdvPairing.VerifyAndSign(new byte[] { 0xFF, 0xFF, 0xFF }, AdvSecret, _companion));
        Assert.Equal(500, error.Code);
    }

    private static byte[] Details(uint keyIndex, bool hosted = false)
    {
        var details = new ADVDeviceIdentity { RawId = 42, Timestamp = 1_700_000_000, KeyIndex = keyIndex };
        if (hosted)
        {
            details.DeviceType = ADVEncryptionType.Hosted;
        }

        return details.ToByteArray();
    }

    private byte[] Sign(KeyPair signer, byte[] prefix, byte[] details) =>
        Curve25519.Sign(signer.PrivateKey, [.. prefix, .. details, .. _companion.KeyPair.PublicKey]);

    private byte[] Container(byte[] details, byte[] accountSignature)
    {
        var signed = new ADVSignedDeviceIdentity
        {
            Details = ByteString.CopyFrom(details),
            AccountSignatureKey = ByteString.CopyFrom(_phone.PublicKey),
            AccountSignature = ByteString.CopyFrom(accountSignature),
        }.ToByteArray();
        return new ADVSignedDeviceIdentityHMAC
        {
            Details = ByteString.CopyFrom(signed),
            Hmac = ByteString.CopyFrom(HMACSHA256.HashData(AdvSecret, signed)),
        }.ToByteArray();
    }
}

using Google.Protobuf;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Noise;
using WaOrleans.Protocol.Proto;

namespace WaOrleans.Protocol.Tests.Noise;

public sealed class CertificateVerifierTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly KeyPair _root = Curve25519.GenerateKeyPair();
    private readonly KeyPair _intermediate = Curve25519.GenerateKeyPair();
    private readonly KeyPair _server = Curve25519.GenerateKeyPair();

    [Fact]
    public void A_good_chain_verifies_and_reports_both_certificates()
    {
        var chain = Builder() with { IntermediateSerial = 7, LeafSerial = 42 };

        var info = Verify(chain.Build());

        Assert.Equal(7u, info.Intermediate.Serial);
        Assert.Equal(0u, info.Intermediate.IssuerSerial);
        Assert.Equal(_intermediate.PublicKeyBytes(), info.Intermediate.Key.ToArray());
        Assert.Equal(42u, info.Leaf.Serial);
        Assert.Equal(7u, info.Leaf.IssuerSerial);
        Assert.Equal(_server.PublicKeyBytes(), info.Leaf.Key.ToArray());
        Assert.Equal(Now.AddDays(-1), info.Leaf.NotBefore);
        Assert.Equal(Now.AddDays(1), info.Intermediate.NotAfter);
    }

    [Fact]
    public void A_chain_under_another_root_is_rejected()
    {
        var other = Curve25519.GenerateKeyPair();

        Assert.Equal(CertificateError.IntermediateSignatureInvalid, Reject(Builder().Build(), root: other.PublicKeyBytes()));
    }

    [Fact]
    public void The_real_WhatsApp_root_rejects_a_test_chain_by_default()
    {
        var ex = Assert.Throws<NoiseCertificateException>(() => CertificateVerifier.Verify(
            Builder().Build(), _server.PublicKey, NoiseConstants.WhatsAppRootKey, Now));

        Assert.Equal(CertificateError.IntermediateSignatureInvalid, ex.Reason);
    }

    [Fact]
    public void A_bad_intermediate_signature_is_rejected()
    {
        var chain = Mutate(Builder().Build(), c => c.Intermediate.Signature = Flip(c.Intermediate.Signature));

        Assert.Equal(CertificateError.IntermediateSignatureInvalid, Reject(chain));
    }

    [Fact]
    public void A_bad_leaf_signature_is_rejected()
    {
        var chain = Mutate(Builder().Build(), c => c.Leaf.Signature = Flip(c.Leaf.Signature));

        Assert.Equal(CertificateError.LeafSignatureInvalid, Reject(chain));
    }

    [Fact]
    public void A_leaf_signed_by_the_root_instead_of_the_intermediate_is_rejected()
    {
        Assert.Equal(CertificateError.LeafSignatureInvalid, Reject((Builder() with { LeafSigner = _root }).Build()));
    }

    [Fact]
    public void An_intermediate_not_issued_by_the_root_serial_is_rejected()
    {
        Assert.Equal(CertificateError.IntermediateIssuerMismatch, Reject((Builder() with { IntermediateIssuerSerial = 1 }).Build()));
    }

    [Fact]
    public void A_leaf_whose_issuer_serial_is_not_the_intermediate_serial_is_rejected()
    {
        var chain = Builder() with { IntermediateSerial = 5, LeafIssuerSerial = 6 };

        Assert.Equal(CertificateError.LeafIssuerMismatch, Reject(chain.Build()));
    }

    [Fact]
    public void A_leaf_key_other_than_the_server_static_key_is_rejected()
    {
        Assert.Equal(CertificateError.LeafKeyMismatch, Reject(Builder().Build(), serverStatic: Curve25519.GenerateKeyPair().PublicKeyBytes()));
    }

    [Fact]
    public void An_expired_leaf_is_rejected()
    {
        Assert.Equal(CertificateError.LeafExpired, Reject((Builder() with { LeafNotAfter = Now.AddSeconds(-1) }).Build()));
    }

    [Fact]
    public void A_not_yet_valid_intermediate_is_rejected()
    {
        Assert.Equal(CertificateError.IntermediateNotYetValid, Reject((Builder() with { IntermediateNotBefore = Now.AddSeconds(1) }).Build()));
    }

    [Fact]
    public void An_expired_intermediate_and_a_not_yet_valid_leaf_are_rejected()
    {
        Assert.Equal(CertificateError.IntermediateExpired, Reject((Builder() with { IntermediateNotAfter = Now.AddDays(-1) }).Build()));
        Assert.Equal(CertificateError.LeafNotYetValid, Reject((Builder() with { LeafNotBefore = Now.AddDays(1) }).Build()));
    }

    [Fact]
    public void The_window_edges_are_inclusive()
    {
        var chain = Builder() with { IntermediateNotBefore = Now, LeafNotAfter = Now };

        Verify(chain.Build());
    }

    [Fact]
    public void Missing_parts_short_signatures_and_garbage_are_rejected()
    {
        var good = Builder().Build();

        Assert.Equal(CertificateError.MissingPart, Reject(Mutate(good, c => c.Leaf = null)));
        Assert.Equal(CertificateError.MissingPart, Reject(Mutate(good, c => c.Intermediate.ClearSignature())));
        Assert.Equal(CertificateError.BadSignatureLength,
            Reject(Mutate(good, c => c.Leaf.Signature = ByteString.CopyFrom(c.Leaf.Signature.Span[..63]))));
        Assert.Equal(CertificateError.Malformed, Reject([0xFF, 0xFF, 0xFF]));
    }

    [Fact]
    public void A_short_intermediate_key_is_rejected()
    {
        var details = new CertChain.Types.NoiseCertificate.Types.Details { Serial = 1, Key = ByteString.CopyFrom(new byte[31]) }.ToByteArray();
        var chain = Mutate(Builder().Build(), c =>
        {
            c.Intermediate.Details = ByteString.CopyFrom(details);
            c.Intermediate.Signature = ByteString.CopyFrom(Curve25519.Sign(_root.PrivateKey, details));
        });

        Assert.Equal(CertificateError.BadKeyLength, Reject(chain));
    }

    [Fact]
    public void Far_future_timestamps_saturate_instead_of_overflowing()
    {
        Assert.Equal(DateTimeOffset.MaxValue, CertificateVerifier.FromUnixSeconds(ulong.MaxValue));
    }

    private CertificateChainBuilder Builder() => new()
    {
        Root = _root,
        Intermediate = _intermediate,
        LeafKey = _server.PublicKeyBytes(),
        IntermediateNotBefore = Now.AddDays(-1),
        IntermediateNotAfter = Now.AddDays(1),
        LeafNotBefore = Now.AddDays(-1),
        LeafNotAfter = Now.AddDays(1),
    };

    private ServerCertificateChain Verify(byte[] chain) => CertificateVerifier.Verify(chain, _server.PublicKey, _root.PublicKey, Now);

    private CertificateError Reject(byte[] chain, byte[]? root = null, byte[]? serverStatic = null) =>
        Assert.Throws<NoiseCertificateException>(() => CertificateVerifier.Verify(
            chain, serverStatic ?? _server.PublicKeyBytes(), root ?? _root.PublicKeyBytes(), Now)).Reason;

    private static byte[] Mutate(byte[] chain, Action<CertChain> change)
    {
        var parsed = CertChain.Parser.ParseFrom(chain);
        change(parsed);
        return parsed.ToByteArray();
    }

    private static ByteString Flip(ByteString bytes)
    {
        var copy = bytes.ToByteArray();
        copy[10] ^= 0x01;
        return ByteString.CopyFrom(copy);
    }
}

using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.State;

namespace WaOrleans.Protocol.Tests.Signal;

/// <summary>Records, addresses and key types: stable bytes, corrupt input, WhatsApp naming, redaction.</summary>
public sealed class SignalRecordTests
{
    [Fact]
    public async Task Records_serialize_to_stable_bytes()
    {
        var (alice, bob) = await SessionCipherTests.PairAsync();
        var session = (await alice.Store.LoadSessionAsync(bob.Address))!.Serialize();
        var identity = alice.Identity.Serialize();
        var signed = alice.SignedPreKey.Serialize();

        Assert.Equal(session, SessionRecord.Deserialize(session).Serialize());
        Assert.Equal(identity, IdentityKeyPair.Deserialize(identity).Serialize());
        Assert.Equal(signed, SignedPreKeyRecord.Deserialize(signed).Serialize());
        Assert.Equal(alice.Identity.PublicKey, IdentityKeyPair.Deserialize(identity).PublicKey);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0a")]
    [InlineData("0a0312")]
    [InlineData("ffffffff")]
    public void Unreadable_records_are_corrupt_records(string hex)
    {
        var bytes = Convert.FromHexString(hex);

        if (bytes.Length == 0)
        {
            Assert.False(SessionRecord.Deserialize(bytes).HasCurrentSession);
            return;
        }

        Assert.Equal(SignalErrorKind.CorruptRecord, Assert.Throws<SignalProtocolException>(() => SessionRecord.Deserialize(bytes)).Kind);
        Assert.Equal(SignalErrorKind.CorruptRecord, Assert.Throws<SignalProtocolException>(() => SenderKeyRecord.Deserialize(bytes)).Kind);
        Assert.Equal(SignalErrorKind.CorruptRecord, Assert.Throws<SignalProtocolException>(() => PreKeyRecord.Deserialize(bytes)).Kind);
    }

    [Theory]
    [InlineData(SignalUserDomain.WhatsApp, "4915550000.3")]
    [InlineData(SignalUserDomain.Lid, "4915550000_1.3")]
    [InlineData(SignalUserDomain.Hosted, "4915550000_128.3")]
    [InlineData(SignalUserDomain.HostedLid, "4915550000_129.3")]
    public void Addresses_use_WhatsApps_naming(SignalUserDomain domain, string expected)
    {
        var address = SignalAddress.ForUser("4915550000", domain, new DeviceId(3));

        Assert.Equal(expected, address.ToString());
        Assert.Equal(address, SignalAddress.Parse(expected));
        Assert.Equal($"120363@g.us::{expected.Replace('.', ':')[..^2]}::3", new SenderKeyName("120363@g.us", address).ToString());
        Assert.Throws<ArgumentException>(() => SignalAddress.ForUser("a.b", domain, new DeviceId(0)));
        Assert.Throws<FormatException>(() => SignalAddress.Parse("no-device"));
    }

    [Fact]
    public async Task Keys_and_records_never_print_key_bytes()
    {
        var (alice, bob) = await SessionCipherTests.PairAsync();
        var session = (await alice.Store.LoadSessionAsync(bob.Address))!;
        var preKey = KeyHelper.GeneratePreKeys(new PreKeyId(1), 1, alice.Random)[0];
        var name = new SenderKeyName("g@g.us", alice.Address);
        var skdm = await alice.GroupBuilder().CreateAsync(name);
        var senderKey = (await alice.Store.LoadSenderKeyAsync(name))!;

        var secrets = new[]
        {
            alice.Identity.KeyPair.PrivateKeyBytes(), preKey.KeyPair.PrivateKeyBytes(),
            alice.SignedPreKey.KeyPair.PrivateKeyBytes(),
        };
        var texts = new object[] { alice.Identity, preKey, alice.SignedPreKey, session, senderKey, skdm, alice.Store }
            .Select(o => o.ToString()!).ToList();
        foreach (var text in texts)
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(Convert.ToHexStringLower(secret)[..8], text, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(Convert.ToBase64String(secret)[..8], text, StringComparison.Ordinal);
            }
        }

        Assert.Equal($"SenderKeyDistributionMessage(key {skdm.KeyId}, iteration 0)", skdm.ToString());
    }
}

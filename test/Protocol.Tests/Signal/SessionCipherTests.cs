using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.Stores;
using WaOrleans.Protocol.Signal.Stores.InMemory;
using static WaOrleans.Protocol.Tests.Signal.SessionInteropTests;

namespace WaOrleans.Protocol.Tests.Signal;

/// <summary>C#-to-C# sessions: limits, archived sessions, identities and the atomicity of failures.</summary>
public sealed class SessionCipherTests
{
    [Fact]
    public async Task No_session_means_no_encrypt_and_no_decrypt()
    {
        var alice = new LocalPeer("alice");
        var bob = new LocalPeer("bob");

        var encrypt = await Assert.ThrowsAsync<SignalProtocolException>(() => alice.Cipher(bob.Address).EncryptAsync(Utf8("x")));
        Assert.Equal(SignalErrorKind.NoSession, encrypt.Kind);
        var (a, b) = await PairAsync();
        var message = await a.Cipher(b.Address).EncryptAsync(Utf8("x"));
        await b.Cipher(a.Address).DecryptAsync(message);
        var reply = await b.Cipher(a.Address).EncryptAsync(Utf8("y"));
        var decrypt = await Assert.ThrowsAsync<SignalProtocolException>(() => alice.Cipher(bob.Address).DecryptAsync(reply));
        Assert.Equal(SignalErrorKind.NoSession, decrypt.Kind);
    }

    [Fact]
    public async Task A_bundle_with_a_bad_signature_is_refused_and_changes_nothing()
    {
        var alice = new LocalPeer("alice");
        var bob = new LocalPeer("bob");
        var bundle = await bob.BundleAsync();
        var badSignature = bundle.SignedPreKeySignature.ToArray();
        badSignature[5] ^= 1;
        var before = alice.Store.Snapshot();

        var error = await Assert.ThrowsAsync<SignalProtocolException>(
            () => alice.Builder(bob.Address).ProcessBundleAsync(bundle with { SignedPreKeySignature = badSignature }));

        Assert.Equal(SignalErrorKind.InvalidSignature, error.Kind);
        Assert.Equal(before, alice.Store.Snapshot());
    }

    [Fact]
    public async Task A_changed_identity_in_a_bundle_is_reported_or_refused_by_policy()
    {
        var accepting = new LocalPeer("alice");
        var rejecting = new LocalPeer("carol", policy: ChangedIdentityPolicy.Reject);
        var bob = new LocalPeer("bob");
        var bob2 = new LocalPeer("bob"); // same address, new identity
        foreach (var me in new[] { accepting, rejecting })
        {
            Assert.Equal(IdentityChange.NewOrUnchanged, await me.Builder(bob.Address).ProcessBundleAsync(await bob.BundleAsync()));
        }

        Assert.Equal(IdentityChange.ReplacedExisting, await accepting.Builder(bob.Address).ProcessBundleAsync(await bob2.BundleAsync()));
        var changedBundle = await bob2.BundleAsync();
        var before = rejecting.Store.Snapshot();
        var error = await Assert.ThrowsAsync<SignalProtocolException>(
            () => rejecting.Builder(bob.Address).ProcessBundleAsync(changedBundle));
        Assert.Equal(SignalErrorKind.UntrustedIdentity, error.Kind);
        Assert.Equal(before, rejecting.Store.Snapshot());

        // Approving the new identity (the user confirmed the security code) lets it through.
        await rejecting.Store.SaveIdentityAsync(bob.Address, bob2.Identity.PublicKey);
        await rejecting.Builder(bob.Address).ProcessBundleAsync(await bob2.BundleAsync());
    }

    [Fact]
    public async Task A_genuine_message_in_a_made_up_prekey_envelope_installs_nothing()
    {
        var (alice, bob) = await PairAsync();
        var bundle = await bob.BundleAsync();
        var genuine = await alice.Cipher(bob.Address).EncryptAsync(Utf8("genuine"));
        var inner = WaOrleans.Protocol.Signal.Messages.SignalMessage.Parse(genuine.Body);
        var envelope = WaOrleans.Protocol.Signal.Messages.PreKeySignalMessage.Create(
            alice.RegistrationId, bundle.PreKey!.Value.Id, bundle.SignedPreKeyId,
            WaOrleans.Protocol.Crypto.Curve25519.GenerateKeyPair().PublicKeyBytes(), alice.Identity.PublicKey, inner);
        var before = bob.Store.Snapshot();

        var error = await Assert.ThrowsAsync<SignalProtocolException>(
            () => bob.Cipher(alice.Address).DecryptAsync(new EncryptedMessage(CiphertextType.PreKey, envelope.Serialized.ToArray())));

        Assert.Equal(SignalErrorKind.InvalidMac, error.Kind);
        Assert.Equal(before, bob.Store.Snapshot());
        Assert.Equal("genuine", Text((await bob.Cipher(alice.Address).DecryptAsync(genuine)).Plaintext));
    }

    [Fact]
    public async Task Prekey_messages_repeated_until_the_first_reply_save_the_senders_identity_only_once()
    {
        var alice = new LocalPeer("alice");
        var bob = new LocalPeer("bob");
        await alice.Builder(bob.Address).ProcessBundleAsync(await bob.BundleAsync());
        var identities = new List<int>();
        foreach (var text in new[] { "first", "second", "third" })
        {
            // Bob has not answered: every message from Alice is a PreKeyWhisperMessage.
            var message = await alice.Cipher(bob.Address).EncryptAsync(Utf8(text));
            Assert.Equal(CiphertextType.PreKey, message.Type);
            var deferred = new WaOrleans.Protocol.Client.DeferredSignalStore(bob.Store);
            Assert.Equal(text, Text((await new SessionCipher(deferred, alice.Address, bob.Random).DecryptAsync(message)).Plaintext));
            identities.Add(deferred.Changes.Identities.Count);
            Assert.Single(deferred.Changes.Sessions);
            await bob.Store.CommitAsync(deferred.Changes);
        }

        // Saved with the session the first message built; the repeats carry the same identity.
        Assert.Equal([1, 0, 0], identities);
        Assert.Equal(alice.Identity.PublicKey, await bob.Store.GetIdentityAsync(alice.Address));
    }

    [Fact]
    public async Task Both_sides_initiating_at_once_still_talk_through_archived_sessions()
    {
        var alice = new LocalPeer("alice");
        var bob = new LocalPeer("bob");
        await alice.Builder(bob.Address).ProcessBundleAsync(await bob.BundleAsync());
        await bob.Builder(alice.Address).ProcessBundleAsync(await alice.BundleAsync());
        var fromAlice = await alice.Cipher(bob.Address).EncryptAsync(Utf8("a"));
        var fromBob = await bob.Cipher(alice.Address).EncryptAsync(Utf8("b"));
        await alice.Cipher(bob.Address).DecryptAsync(fromBob);
        await bob.Cipher(alice.Address).DecryptAsync(fromAlice);

        for (var i = 0; i < 5; i++)
        {
            var a = await alice.Cipher(bob.Address).EncryptAsync(Utf8($"a{i}"));
            Assert.Equal($"a{i}", Text((await bob.Cipher(alice.Address).DecryptAsync(a)).Plaintext));
            var b = await bob.Cipher(alice.Address).EncryptAsync(Utf8($"b{i}"));
            Assert.Equal($"b{i}", Text((await alice.Cipher(bob.Address).DecryptAsync(b)).Plaintext));
        }
    }

    [Fact]
    public async Task Counter_jumps_up_to_the_limit_decrypt_and_keep_only_the_newest_skipped_keys()
    {
        var (alice, bob) = await PairAsync();
        var messages = new List<EncryptedMessage>();
        for (var i = 0; i <= SignalConstants.MaxForwardJumps + 1; i++)
        {
            messages.Add(await alice.Cipher(bob.Address).EncryptAsync(Utf8($"m{i}")));
        }

        // Bob is at the start of Alice's new chain; its message 25,001 would jump 25,001 ahead.
        var before = bob.Store.Snapshot();
        var tooFar = await Assert.ThrowsAsync<SignalProtocolException>(() => bob.Cipher(alice.Address).DecryptAsync(messages[^1]));
        Assert.Equal(SignalErrorKind.TooFarInFuture, tooFar.Kind);
        Assert.Equal(before, bob.Store.Snapshot());

        var last = SignalConstants.MaxForwardJumps;
        Assert.Equal($"m{last}", Text((await bob.Cipher(alice.Address).DecryptAsync(messages[last])).Plaintext));
        var oldestKept = last - SignalConstants.MaxMessageKeys;
        Assert.Equal($"m{oldestKept}", Text((await bob.Cipher(alice.Address).DecryptAsync(messages[oldestKept])).Plaintext));
        var evicted = await Assert.ThrowsAsync<SignalProtocolException>(() => bob.Cipher(alice.Address).DecryptAsync(messages[oldestKept - 1]));
        Assert.Equal(SignalErrorKind.DuplicateMessage, evicted.Kind);
    }

    [Fact]
    public async Task Late_messages_decrypt_from_the_last_receiving_chains_only()
    {
        var (alice, bob) = await PairAsync();
        var late = new List<EncryptedMessage>();

        // Each round trip makes Bob see a new ratchet key from Alice; keep one message of each chain back.
        for (var round = 0; round < SignalConstants.MaxReceiverChains + 1; round++)
        {
            late.Add(await alice.Cipher(bob.Address).EncryptAsync(Utf8($"late {round}")));
            await bob.Cipher(alice.Address).DecryptAsync(await alice.Cipher(bob.Address).EncryptAsync(Utf8("on time")));
            await alice.Cipher(bob.Address).DecryptAsync(await bob.Cipher(alice.Address).EncryptAsync(Utf8("reply")));
        }

        await bob.Cipher(alice.Address).DecryptAsync(await alice.Cipher(bob.Address).EncryptAsync(Utf8("newest chain")));

        // The newest MaxReceiverChains chains are kept: the oldest late messages are lost.
        for (var round = 0; round < late.Count; round++)
        {
            var kept = round >= late.Count + 1 - SignalConstants.MaxReceiverChains;
            if (kept)
            {
                Assert.Equal($"late {round}", Text((await bob.Cipher(alice.Address).DecryptAsync(late[round])).Plaintext));
            }
            else
            {
                var before = bob.Store.Snapshot();
                await Assert.ThrowsAsync<SignalProtocolException>(() => bob.Cipher(alice.Address).DecryptAsync(late[round]));
                Assert.Equal(before, bob.Store.Snapshot());
            }
        }
    }

    [Fact]
    public async Task At_most_forty_archived_sessions_are_kept()
    {
        var alice = new LocalPeer("alice");
        var bob = new LocalPeer("bob");
        for (var i = 0; i < SignalConstants.ArchivedStatesMaxLength + 5; i++)
        {
            await alice.Builder(bob.Address).ProcessBundleAsync(await bob.BundleAsync(withPreKey: false));
        }

        var record = await alice.Store.LoadSessionAsync(bob.Address);
        Assert.True(record!.HasCurrentSession);
        Assert.Equal(SignalConstants.ArchivedStatesMaxLength, record.ArchivedSessionCount);
        record.ArchiveCurrentSession();
        Assert.False(record.HasCurrentSession);
    }

    [Fact]
    public async Task Seeded_randomness_and_a_fixed_clock_give_the_same_bytes_every_run()
    {
        async Task<(byte[] Ciphertext, byte[] Record)> RunAsync()
        {
            var alice = new LocalPeer("alice", new SeededRandom(7));
            var bob = new LocalPeer("bob", new SeededRandom(8));
            await alice.Builder(bob.Address).ProcessBundleAsync(await bob.BundleAsync());
            var message = await alice.Cipher(bob.Address).EncryptAsync(Utf8("same every time"));
            await bob.Cipher(alice.Address).DecryptAsync(message);
            return (message.Body, (await bob.Store.LoadSessionAsync(alice.Address))!.Serialize());
        }

        var first = await RunAsync();
        var second = await RunAsync();

        Assert.Equal(first.Ciphertext, second.Ciphertext);
        Assert.Equal(first.Record, second.Record);
    }

    internal static async Task<(LocalPeer Alice, LocalPeer Bob)> PairAsync()
    {
        var alice = new LocalPeer("alice");
        var bob = new LocalPeer("bob");
        await alice.Builder(bob.Address).ProcessBundleAsync(await bob.BundleAsync());
        await bob.Cipher(alice.Address).DecryptAsync(await alice.Cipher(bob.Address).EncryptAsync(Utf8("hello")));
        await alice.Cipher(bob.Address).DecryptAsync(await bob.Cipher(alice.Address).EncryptAsync(Utf8("hello back")));
        return (alice, bob);
    }
}

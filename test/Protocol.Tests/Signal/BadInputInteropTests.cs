using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.Messages;
using WaOrleans.Protocol.Signal.Stores;
using WaOrleans.Protocol.Signal.Stores.InMemory;
using WaOrleans.Protocol.Tests.Support;
using static WaOrleans.Protocol.Tests.Signal.SessionInteropTests;

namespace WaOrleans.Protocol.Tests.Signal;

/// <summary>
/// Bad input from a libsignal-node peer: each case gives a typed <see cref="SignalProtocolException"/>
/// and leaves every stored record byte-for-byte as it was, after which the genuine message still
/// decrypts (nothing was half-advanced).
/// </summary>
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class BadInputInteropTests(InteropHarness harness)
{
    [Fact]
    public async Task Tampered_mac_is_refused_and_changes_nothing()
    {
        var (node, me) = await EstablishedAsync();
        var message = await node.EncryptAsync(me.Address, Utf8("genuine"));

        await AssertRefusedAsync(me, node, message with { Body = Flip(message.Body, message.Body.Length - 1) }, SignalErrorKind.InvalidMac);
        await AssertRefusedAsync(me, node, message with { Body = Flip(message.Body, message.Body.Length - 20) }, SignalErrorKind.InvalidMac);

        Assert.Equal("genuine", Text((await me.Cipher(node.Address).DecryptAsync(message)).Plaintext));
    }

    [Fact]
    public async Task Tampered_prekey_message_builds_no_session_uses_no_prekey_and_saves_no_identity()
    {
        var node = await NodePeer.CreateAsync(harness);
        var me = new LocalPeer("4915550400");
        var bundle = await me.BundleAsync();
        await node.ProcessBundleAsync(me.Address, bundle);
        var message = await node.EncryptAsync(me.Address, Utf8("genuine"));
        var parsed = PreKeySignalMessage.Parse(message.Body);
        var badInner = SignalMessage.Parse(Flip(parsed.Message.Serialized.ToArray(), parsed.Message.Serialized.Length - 1));
        var tampered = PreKeySignalMessage.Create(parsed.RegistrationId, parsed.PreKeyId, parsed.SignedPreKeyId, parsed.BaseKey, parsed.IdentityKey, badInner);

        await AssertRefusedAsync(me, node, new EncryptedMessage(CiphertextType.PreKey, tampered.Serialized.ToArray()), SignalErrorKind.InvalidMac);

        Assert.NotNull(await me.Store.LoadPreKeyAsync(bundle.PreKey!.Value.Id));
        Assert.Null(await me.Store.GetIdentityAsync(node.Address));
        Assert.Null(await me.Store.LoadSessionAsync(node.Address));
        Assert.Equal("genuine", Text((await me.Cipher(node.Address).DecryptAsync(message)).Plaintext));
    }

    [Fact]
    public async Task Wrong_version_byte_is_refused_and_changes_nothing()
    {
        var node = await NodePeer.CreateAsync(harness);
        var me = new LocalPeer("4915550401");
        await node.ProcessBundleAsync(me.Address, await me.BundleAsync());
        var first = await node.EncryptAsync(me.Address, Utf8("first"));

        foreach (var version in new byte[] { 0x22, 0x23, 0x43, 0x00 })
        {
            await AssertRefusedAsync(me, node, first with { Body = [version, .. first.Body[1..]] }, SignalErrorKind.InvalidVersion);
        }

        await me.Cipher(node.Address).DecryptAsync(first);
        var second = await node.EncryptAsync(me.Address, Utf8("second"));
        await AssertRefusedAsync(me, node, second with { Body = [0x23, .. second.Body[1..]] }, SignalErrorKind.InvalidVersion);
        Assert.Equal("second", Text((await me.Cipher(node.Address).DecryptAsync(second)).Plaintext));
    }

    [Fact]
    public async Task Truncated_messages_are_refused_and_change_nothing()
    {
        var node = await NodePeer.CreateAsync(harness);
        var me = new LocalPeer("4915550402");
        await node.ProcessBundleAsync(me.Address, await me.BundleAsync());
        var first = await node.EncryptAsync(me.Address, Utf8("a prekey message long enough to cut in many places"));

        for (var length = 0; length < first.Body.Length; length++)
        {
            await AssertRefusedAsync(me, node, first with { Body = first.Body[..length] }, SignalErrorKind.InvalidMessage, SignalErrorKind.InvalidMac, SignalErrorKind.InvalidKey);
        }

        await me.Cipher(node.Address).DecryptAsync(first);
        var second = await node.EncryptAsync(me.Address, Utf8("a whisper message long enough to cut in many places"));
        for (var length = 0; length < second.Body.Length; length++)
        {
            await AssertRefusedAsync(me, node, second with { Body = second.Body[..length] }, SignalErrorKind.InvalidMessage, SignalErrorKind.InvalidMac, SignalErrorKind.InvalidKey);
        }

        Assert.Equal("a whisper message long enough to cut in many places", Text((await me.Cipher(node.Address).DecryptAsync(second)).Plaintext));
    }

    [Fact]
    public async Task Replayed_messages_are_refused_as_duplicates_and_change_nothing()
    {
        var node = await NodePeer.CreateAsync(harness);
        var me = new LocalPeer("4915550403");
        await node.ProcessBundleAsync(me.Address, await me.BundleAsync());
        var pkmsg = await node.EncryptAsync(me.Address, Utf8("first"));
        await me.Cipher(node.Address).DecryptAsync(pkmsg);
        await node.DecryptAsync(me.Address, await me.Cipher(node.Address).EncryptAsync(Utf8("answer")));
        var a = await node.EncryptAsync(me.Address, Utf8("a"));
        var b = await node.EncryptAsync(me.Address, Utf8("b"));
        var c = await node.EncryptAsync(me.Address, Utf8("c"));
        await me.Cipher(node.Address).DecryptAsync(c); // a and b now come from stored skipped keys
        await me.Cipher(node.Address).DecryptAsync(a);

        await AssertRefusedAsync(me, node, pkmsg, SignalErrorKind.DuplicateMessage);
        await AssertRefusedAsync(me, node, a, SignalErrorKind.DuplicateMessage);
        await AssertRefusedAsync(me, node, c, SignalErrorKind.DuplicateMessage);
        Assert.Equal("b", Text((await me.Cipher(node.Address).DecryptAsync(b)).Plaintext));
        await AssertRefusedAsync(me, node, b, SignalErrorKind.DuplicateMessage);
    }

    [Fact]
    public async Task Unknown_prekey_or_signed_prekey_is_refused_and_changes_nothing()
    {
        var node = await NodePeer.CreateAsync(harness);
        var me = new LocalPeer("4915550404");
        var bundle = await me.BundleAsync();
        await node.ProcessBundleAsync(me.Address, bundle);
        var message = await node.EncryptAsync(me.Address, Utf8("to a prekey we no longer have"));
        await me.Store.RemovePreKeyAsync(bundle.PreKey!.Value.Id);

        await AssertRefusedAsync(me, node, message, SignalErrorKind.InvalidPreKeyId);

        var other = await NodePeer.CreateAsync(harness);
        await other.ProcessBundleAsync(me.Address, bundle with { SignedPreKeyId = new SignedPreKeyId(77), PreKey = null });
        await AssertRefusedAsync(me, other, await other.EncryptAsync(me.Address, Utf8("x")), SignalErrorKind.InvalidSignedPreKeyId);
    }

    [Fact]
    public async Task Changed_identity_is_refused_when_the_store_rejects_changes_and_reported_when_it_accepts()
    {
        var rejecting = new LocalPeer("4915550405", policy: ChangedIdentityPolicy.Reject);
        var accepting = new LocalPeer("4915550406");
        foreach (var me in new[] { rejecting, accepting })
        {
            var before = await NodePeer.CreateAsync(harness);
            await before.ProcessBundleAsync(me.Address, await me.BundleAsync());
            await me.Cipher(before.Address).DecryptAsync(await before.EncryptAsync(me.Address, Utf8("old identity")));

            // The same address comes back with a new identity (a reinstall, or an impostor).
            var after = await NodePeer.CreateAsync(harness);
            await after.ProcessBundleAsync(me.Address, await me.BundleAsync());
            var message = await after.EncryptAsync(me.Address, Utf8("new identity"));

            if (me == rejecting)
            {
                await AssertRefusedAsync(me, before, message, SignalErrorKind.UntrustedIdentity);
            }
            else
            {
                var result = await me.Cipher(before.Address).DecryptAsync(message);
                Assert.Equal(IdentityChange.ReplacedExisting, result.IdentityChange);
                Assert.Equal(after.Identity, await me.Store.GetIdentityAsync(before.Address));
            }
        }
    }

    [Fact]
    public async Task Prekey_message_with_a_forged_identity_is_refused_and_changes_nothing()
    {
        var node = await NodePeer.CreateAsync(harness);
        var impostor = await NodePeer.CreateAsync(harness);
        var me = new LocalPeer("4915550407");
        await node.ProcessBundleAsync(me.Address, await me.BundleAsync());
        var message = PreKeySignalMessage.Parse((await node.EncryptAsync(me.Address, Utf8("genuine"))).Body);
        var forged = PreKeySignalMessage.Create(message.RegistrationId, message.PreKeyId, message.SignedPreKeyId, message.BaseKey, impostor.Identity, message.Message);

        await AssertRefusedAsync(me, node, new EncryptedMessage(CiphertextType.PreKey, forged.Serialized.ToArray()), SignalErrorKind.InvalidMac);

        // Once the genuine session exists, a copy naming another identity is refused too.
        await me.Cipher(node.Address).DecryptAsync(new EncryptedMessage(CiphertextType.PreKey, message.Serialized.ToArray()));
        var next = PreKeySignalMessage.Parse((await node.EncryptAsync(me.Address, Utf8("again"))).Body);
        var forgedNext = PreKeySignalMessage.Create(next.RegistrationId, next.PreKeyId, next.SignedPreKeyId, next.BaseKey, impostor.Identity, next.Message);
        await AssertRefusedAsync(me, node, new EncryptedMessage(CiphertextType.PreKey, forgedNext.Serialized.ToArray()), SignalErrorKind.InvalidMessage);
    }

    private static async Task AssertRefusedAsync(LocalPeer me, NodePeer from, EncryptedMessage message, params SignalErrorKind[] kinds)
    {
        var before = me.Store.Snapshot();
        var error = await Assert.ThrowsAsync<SignalProtocolException>(() => me.Cipher(from.Address).DecryptAsync(message));
        Assert.Contains(error.Kind, kinds);
        Assert.Equal(before, me.Store.Snapshot());
    }

    private async Task<(NodePeer Node, LocalPeer Me)> EstablishedAsync()
    {
        var node = await NodePeer.CreateAsync(harness);
        var me = new LocalPeer("4915550408");
        await me.Builder(node.Address).ProcessBundleAsync(await node.BundleAsync());
        await node.DecryptAsync(me.Address, await me.Cipher(node.Address).EncryptAsync(Utf8("hi")));
        await me.Cipher(node.Address).DecryptAsync(await node.EncryptAsync(me.Address, Utf8("hi back")));
        return (node, me);
    }

    internal static byte[] Flip(byte[] bytes, int index)
    {
        var copy = (byte[])bytes.Clone();
        copy[index] ^= 0x01;
        return copy;
    }
}

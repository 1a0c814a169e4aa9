using System.Text;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.Stores;
using WaOrleans.Protocol.Tests.Support;

namespace WaOrleans.Protocol.Tests.Signal;

/// <summary>Session setup both ways against libsignal-node 6, with and without a one-time prekey.</summary>
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class SessionInteropTests(InteropHarness harness)
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task CSharp_starts_from_a_libsignal_bundle_and_both_sides_talk(bool withPreKey)
    {
        var node = await NodePeer.CreateAsync(harness);
        var me = new LocalPeer("4915550001");
        var bundle = await node.BundleAsync(withPreKey);

        Assert.Equal(IdentityChange.NewOrUnchanged, await me.Builder(node.Address).ProcessBundleAsync(bundle));
        var first = await me.Cipher(node.Address).EncryptAsync(Utf8("hello from C#"));
        var second = await me.Cipher(node.Address).EncryptAsync(Utf8("still unanswered"));

        Assert.Equal(CiphertextType.PreKey, first.Type);
        Assert.Equal(CiphertextType.PreKey, second.Type);
        Assert.True((await me.Store.LoadSessionAsync(node.Address))!.HasUnacknowledgedPreKey);
        Assert.Equal("hello from C#", Text(await node.DecryptAsync(me.Address, first)));
        Assert.Equal("still unanswered", Text(await node.DecryptAsync(me.Address, second)));
        if (bundle.PreKey?.Id is { } used)
        {
            Assert.False(await node.HasPreKeyAsync(used)); // libsignal-node consumed it
        }

        var reply = await node.EncryptAsync(me.Address, Utf8("hello from node"));
        Assert.Equal(CiphertextType.Whisper, reply.Type);
        var decrypted = await me.Cipher(node.Address).DecryptAsync(reply);
        Assert.Equal("hello from node", Text(decrypted.Plaintext));
        Assert.Equal(IdentityChange.NewOrUnchanged, decrypted.IdentityChange);

        // The reply acknowledged the session: no more PreKeyWhisperMessages.
        Assert.False((await me.Store.LoadSessionAsync(node.Address))!.HasUnacknowledgedPreKey);
        var third = await me.Cipher(node.Address).EncryptAsync(Utf8("answered"));
        Assert.Equal(CiphertextType.Whisper, third.Type);
        Assert.Equal("answered", Text(await node.DecryptAsync(me.Address, third)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Libsignal_starts_from_a_CSharp_bundle_and_both_sides_talk(bool withPreKey)
    {
        var node = await NodePeer.CreateAsync(harness);
        var me = new LocalPeer("4915550002");
        var bundle = await me.BundleAsync(withPreKey);
        await node.ProcessBundleAsync(me.Address, bundle);

        var first = await node.EncryptAsync(me.Address, Utf8("hello from node"));
        Assert.Equal(CiphertextType.PreKey, first.Type);
        var decrypted = await me.Cipher(node.Address).DecryptAsync(first);

        Assert.Equal("hello from node", Text(decrypted.Plaintext));
        Assert.Equal(IdentityChange.NewOrUnchanged, decrypted.IdentityChange);
        Assert.Equal(node.Identity, await me.Store.GetIdentityAsync(node.Address));
        if (bundle.PreKey?.Id is { } used)
        {
            Assert.Null(await me.Store.LoadPreKeyAsync(used)); // consumed exactly once
        }

        var reply = await me.Cipher(node.Address).EncryptAsync(Utf8("hello from C#"));
        Assert.Equal(CiphertextType.Whisper, reply.Type);
        Assert.Equal("hello from C#", Text(await node.DecryptAsync(me.Address, reply)));
        var next = await node.EncryptAsync(me.Address, Utf8("and again"));
        Assert.Equal(CiphertextType.Whisper, next.Type);
        Assert.Equal("and again", Text((await me.Cipher(node.Address).DecryptAsync(next)).Plaintext));
    }

    [Fact]
    public async Task WhatsApp_style_addresses_work_as_session_keys()
    {
        var node = await NodePeer.CreateAsync(harness);
        var me = new LocalPeer("unused");
        var lid = SignalAddress.ForUser("123456789", SignalUserDomain.Lid, new DeviceId(0));
        Assert.Equal("123456789_1.0", lid.ToString());

        // The node peer keeps its own name; the C# side files the session under the LID address.
        await me.Builder(lid).ProcessBundleAsync(await node.BundleAsync());
        var message = await me.Cipher(lid).EncryptAsync(Utf8("to a LID"));

        Assert.Equal("to a LID", Text(await node.DecryptAsync(me.Address, message)));
        Assert.True(await me.Cipher(lid).HasSessionAsync());
        Assert.False(await me.Cipher(node.Address).HasSessionAsync());
    }

    internal static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    internal static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}

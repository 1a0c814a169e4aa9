using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.Messages;
using static WaOrleans.Protocol.Tests.Signal.SessionInteropTests;

namespace WaOrleans.Protocol.Tests.Signal;

/// <summary>C#-to-C# sender keys: limits, bad input and the atomicity of failures.</summary>
public sealed class GroupCipherTests
{
    private const string Group = "120363000000000002@g.us";

    [Fact]
    public async Task Encrypting_needs_our_own_sending_chain()
    {
        var alice = new LocalPeer("alice");

        var error = await Assert.ThrowsAsync<SignalProtocolException>(() => alice.Group(Group, alice.Address).EncryptAsync(Utf8("x")));

        Assert.Equal(SignalErrorKind.NoSession, error.Kind);
    }

    [Fact]
    public async Task Bad_group_messages_are_refused_with_typed_errors_and_change_nothing()
    {
        var (alice, bob) = await GroupAsync();
        var cipher = alice.Group(Group, alice.Address);
        var first = await cipher.EncryptAsync(Utf8("first"));
        var second = await cipher.EncryptAsync(Utf8("second"));
        await Decrypt(bob, alice, first);

        await AssertRefusedAsync(bob, alice, BadInputInteropTests.Flip(second, second.Length - 1), SignalErrorKind.InvalidSignature);
        await AssertRefusedAsync(bob, alice, BadInputInteropTests.Flip(second, 6), SignalErrorKind.InvalidSignature, SignalErrorKind.InvalidMessage, SignalErrorKind.NoSession);
        await AssertRefusedAsync(bob, alice, [0x23, .. second[1..]], SignalErrorKind.InvalidVersion);
        for (var length = 0; length < second.Length; length++)
        {
            await AssertRefusedAsync(bob, alice, second[..length], SignalErrorKind.InvalidMessage, SignalErrorKind.InvalidSignature, SignalErrorKind.NoSession);
        }

        await AssertRefusedAsync(bob, alice, first, SignalErrorKind.DuplicateMessage);
        Assert.Equal("second", Text(await Decrypt(bob, alice, second)));
        await AssertRefusedAsync(bob, alice, second, SignalErrorKind.DuplicateMessage);

        // A message signed with another key, or under a key id Bob never got.
        var (mallory, _) = await GroupAsync();
        var forged = await mallory.Group(Group, mallory.Address).EncryptAsync(Utf8("forged"));
        await AssertRefusedAsync(bob, alice, forged, SignalErrorKind.NoSession);
    }

    [Fact]
    public async Task Iterations_may_jump_up_to_the_limit()
    {
        var (alice, bob) = await GroupAsync();
        var cipher = alice.Group(Group, alice.Address);
        var messages = new List<byte[]>();
        for (var i = 0; i <= SignalConstants.MaxForwardJumps + 1; i++)
        {
            messages.Add(await cipher.EncryptAsync(Utf8($"m{i}")));
        }

        await AssertRefusedAsync(bob, alice, messages[^1], SignalErrorKind.TooFarInFuture);
        var last = SignalConstants.MaxForwardJumps;
        Assert.Equal($"m{last}", Text(await Decrypt(bob, alice, messages[last])));
        Assert.Equal($"m{last - 1}", Text(await Decrypt(bob, alice, messages[last - 1])));
        await AssertRefusedAsync(bob, alice, messages[last - SignalConstants.MaxMessageKeys - 1], SignalErrorKind.DuplicateMessage);
    }

    [Fact]
    public async Task A_rotated_sender_key_keeps_the_old_one_for_late_messages()
    {
        var (alice, bob) = await GroupAsync();
        var name = new SenderKeyName(Group, alice.Address);
        var old = await alice.Group(Group, alice.Address).EncryptAsync(Utf8("old key"));

        // Alice forgets her sender key (she left and rejoined) and distributes a new one.
        await alice.Store.StoreSenderKeyAsync(name, new WaOrleans.Protocol.Signal.State.SenderKeyRecord());
        var skdm = await alice.GroupBuilder().CreateAsync(name);
        await bob.GroupBuilder().ProcessAsync(name, SenderKeyDistributionMessage.Parse(skdm.Serialized.Span));
        var fresh = await alice.Group(Group, alice.Address).EncryptAsync(Utf8("new key"));

        Assert.Equal("new key", Text(await Decrypt(bob, alice, fresh)));
        Assert.Equal("old key", Text(await Decrypt(bob, alice, old)));
    }

    private static async Task<(LocalPeer Alice, LocalPeer Bob)> GroupAsync()
    {
        var alice = new LocalPeer("alice");
        var bob = new LocalPeer("bob");
        var name = new SenderKeyName(Group, alice.Address);
        var skdm = await alice.GroupBuilder().CreateAsync(name);
        await bob.GroupBuilder().ProcessAsync(name, SenderKeyDistributionMessage.Parse(skdm.Serialized.Span));
        return (alice, bob);
    }

    private static Task<byte[]> Decrypt(LocalPeer receiver, LocalPeer sender, byte[] message) =>
        receiver.Group(Group, sender.Address).DecryptAsync(message);

    private static async Task AssertRefusedAsync(LocalPeer receiver, LocalPeer sender, byte[] message, params SignalErrorKind[] kinds)
    {
        var before = receiver.Store.Snapshot();
        var error = await Assert.ThrowsAsync<SignalProtocolException>(() => Decrypt(receiver, sender, message));
        Assert.Contains(error.Kind, kinds);
        Assert.Equal(before, receiver.Store.Snapshot());
    }
}

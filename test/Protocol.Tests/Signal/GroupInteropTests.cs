using System.Text;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.Messages;
using WaOrleans.Protocol.Tests.Support;

namespace WaOrleans.Protocol.Tests.Signal;

/// <summary>Sender keys both ways against Baileys' group cipher, with gaps, loss and reordering.</summary>
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class GroupInteropTests(InteropHarness harness)
{
    private const string Group = "120363000000000001@g.us";

    [Fact]
    public async Task CSharp_decrypts_a_Baileys_senders_group_messages_with_gaps_and_reordering()
    {
        var node = await NodePeer.CreateAsync(harness);
        var me = new LocalPeer("4915550200");
        var rng = new Random(21);

        // Messages sent before we joined are never ours to read; the distribution starts later.
        await node.GroupEncryptAsync(Group, Plaintexts("before", 0, 5));
        var skdm = await node.CreateGroupAsync(Group);
        var distribution = SenderKeyDistributionMessage.Parse(skdm);
        Assert.True(distribution.Iteration > 0);
        await me.GroupBuilder().ProcessAsync(new SenderKeyName(Group, node.Address), distribution);

        // Baileys' encrypter skips an iteration after every message, so each message is a gap.
        var plaintexts = Plaintexts("from Baileys", 0, 300);
        var messages = await node.GroupEncryptAsync(Group, plaintexts);
        var iterations = messages.Select(m => SenderKeyMessage.Parse(m).Iteration).ToList();
        Assert.Contains(iterations.Zip(iterations.Skip(1)), p => p.Second - p.First > 1);

        var delivered = Scramble(Enumerable.Range(0, messages.Count).ToList(), rng, dropRate: 0.05, out var dropped);
        var cipher = me.Group(Group, node.Address);
        foreach (var i in delivered)
        {
            Assert.Equal(plaintexts[i], await cipher.DecryptAsync(messages[i]));
        }

        Assert.True(dropped > 0);
        var replay = await Assert.ThrowsAsync<SignalProtocolException>(() => cipher.DecryptAsync(messages[delivered[0]]));
        Assert.Equal(SignalErrorKind.DuplicateMessage, replay.Kind);
    }

    [Fact]
    public async Task Baileys_decrypts_a_CSharp_senders_group_messages_with_gaps_and_reordering()
    {
        var node = await NodePeer.CreateAsync(harness);
        var me = new LocalPeer("4915550201");
        var rng = new Random(22);
        var myName = new SenderKeyName(Group, me.Address);

        var skdm = await me.GroupBuilder().CreateAsync(myName);
        Assert.Equal(skdm.Serialized.ToArray(), (await me.GroupBuilder().CreateAsync(myName)).Serialized.ToArray());
        await node.ProcessSkdmAsync(Group, me.Address, skdm.Serialized.ToArray());

        var cipher = me.Group(Group, me.Address);
        var plaintexts = Plaintexts("from C#", 0, 300);
        var messages = new List<byte[]>();
        foreach (var p in plaintexts)
        {
            messages.Add(await cipher.EncryptAsync(p));
        }

        // A long silent stretch (a gap of 1,500 iterations) before the rest arrives.
        for (var i = 0; i < 1500; i++)
        {
            await cipher.EncryptAsync("unsent"u8.ToArray());
        }

        var late = Plaintexts("after the gap", 0, 3);
        foreach (var p in late)
        {
            messages.Add(await cipher.EncryptAsync(p));
        }

        plaintexts.AddRange(late);
        var order = Scramble(Enumerable.Range(0, 300).ToList(), rng, dropRate: 0.05, out var dropped);
        order.AddRange([300, 301, 302]);
        var results = await node.GroupDecryptAsync(Group, me.Address, order.Select(i => messages[i]));

        Assert.True(dropped > 0);
        for (var k = 0; k < order.Count; k++)
        {
            Assert.True(results[k]["error"] is null, $"Baileys failed on message {order[k]}: {results[k]["error"]}");
            Assert.Equal(plaintexts[order[k]], NodePeer.Bytes(results[k]["plaintext"]));
        }
    }

    [Fact]
    public async Task A_repeated_distribution_does_not_rewind_the_chain()
    {
        var node = await NodePeer.CreateAsync(harness);
        var me = new LocalPeer("4915550202");
        var name = new SenderKeyName(Group, node.Address);
        var skdm = SenderKeyDistributionMessage.Parse(await node.CreateGroupAsync(Group));
        await me.GroupBuilder().ProcessAsync(name, skdm);
        var messages = await node.GroupEncryptAsync(Group, Plaintexts("m", 0, 3));
        foreach (var m in messages)
        {
            await me.Group(Group, node.Address).DecryptAsync(m);
        }

        await me.GroupBuilder().ProcessAsync(name, skdm);

        var replay = await Assert.ThrowsAsync<SignalProtocolException>(() => me.Group(Group, node.Address).DecryptAsync(messages[0]));
        Assert.Equal(SignalErrorKind.DuplicateMessage, replay.Kind);
    }

    /// <summary>Drops some indexes and moves about a fifth of the rest out of order.</summary>
    internal static List<int> Scramble(List<int> indexes, Random rng, double dropRate, out int dropped)
    {
        var kept = indexes.Where(_ => rng.NextDouble() >= dropRate).ToList();
        dropped = indexes.Count - kept.Count;
        for (var i = 0; i < kept.Count - 1; i++)
        {
            if (rng.NextDouble() < 0.1)
            {
                var j = rng.Next(i + 1, Math.Min(kept.Count, i + 40));
                (kept[i], kept[j]) = (kept[j], kept[i]);
            }
        }

        return kept;
    }

    private static List<byte[]> Plaintexts(string prefix, int start, int count) =>
        Enumerable.Range(start, count).Select(i => Encoding.UTF8.GetBytes($"{prefix} #{i}")).ToList();
}

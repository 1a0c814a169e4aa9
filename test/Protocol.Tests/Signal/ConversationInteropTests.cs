using System.Text;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Tests.Support;
using Xunit.Abstractions;

namespace WaOrleans.Protocol.Tests.Signal;

/// <summary>
/// Long conversations against libsignal-node: ≥ 1,000 messages each way, senders alternating in
/// bursts (so both sides keep stepping the DH ratchet), about a fifth delivered out of order
/// (shuffled within a delivery or held back across later ratchet steps), and a few dropped.
/// </summary>
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class ConversationInteropTests(InteropHarness harness, ITestOutputHelper output)
{
    private const int MessagesEachWay = 1000;

    [Theory]
    [InlineData(true, 11)]
    [InlineData(false, 12)]
    public async Task Long_conversation_with_reordering_and_drops_decrypts_everything_delivered(bool csharpInitiates, int seed)
    {
        var node = await NodePeer.CreateAsync(harness);
        var me = new LocalPeer("4915550100", new SeededRandom(seed));
        if (csharpInitiates)
        {
            await me.Builder(node.Address).ProcessBundleAsync(await node.BundleAsync());
        }
        else
        {
            await node.ProcessBundleAsync(me.Address, await me.BundleAsync());
        }

        var rng = new Random(seed);
        var toNode = new Link("C#→node", rng);
        var toMe = new Link("node→C#", rng);
        var myTurn = csharpInitiates;
        var turn = 0;
        for (; toNode.Sent < MessagesEachWay || toMe.Sent < MessagesEachWay || toNode.InFlight || toMe.InFlight; turn++, myTurn = !myTurn)
        {
            // The first burst must arrive whole: the responder cannot answer before it has a session.
            var reliable = turn == 0;
            if (myTurn)
            {
                foreach (var (seq, message) in toMe.Deliver())
                {
                    var plaintext = (await me.Cipher(node.Address).DecryptAsync(message)).Plaintext;
                    toMe.Check(seq, plaintext);
                }

                foreach (var plaintext in toNode.NewBurst())
                {
                    toNode.Send(await me.Cipher(node.Address).EncryptAsync(plaintext), reliable);
                }
            }
            else
            {
                var delivered = toNode.Deliver();
                var (received, sent) = await node.StepAsync(me.Address, delivered.Select(d => d.Message), toMe.NewBurst());
                for (var i = 0; i < delivered.Count; i++)
                {
                    Assert.True(received[i]["error"] is null, $"libsignal-node failed on {toNode.Name} #{delivered[i].Seq}: {received[i]["error"]}");
                    toNode.Check(delivered[i].Seq, NodePeer.Bytes(received[i]["plaintext"]));
                }

                foreach (var message in sent)
                {
                    toMe.Send(message, reliable);
                }
            }
        }

        output.WriteLine($"{turn} turns (sender changes)");
        foreach (var link in new[] { toNode, toMe })
        {
            output.WriteLine(link.Summary());
            Assert.True(link.Sent >= MessagesEachWay);
            Assert.Equal(link.Sent - link.Dropped, link.Decrypted);
            Assert.InRange(link.OutOfOrderShare, 0.15, 0.35);
            Assert.True(link.Dropped >= 10, $"{link.Name}: only {link.Dropped} dropped");
        }

        // Both sessions are still healthy after all that.
        var last = await me.Cipher(node.Address).EncryptAsync("done"u8.ToArray());
        Assert.Equal("done", Encoding.UTF8.GetString(await node.DecryptAsync(me.Address, last)));
        var answer = await node.EncryptAsync(me.Address, "ok"u8.ToArray());
        Assert.Equal("ok", Encoding.UTF8.GetString((await me.Cipher(node.Address).DecryptAsync(answer)).Plaintext));
    }

    /// <summary>One direction of the conversation: numbering, loss and reordering, and the tally.</summary>
    private sealed class Link(string name, Random rng)
    {
        private const double DropRate = 0.02;
        private const double HoldBackRate = 0.07;
        private const double ShuffleRate = 0.09;
        private const int MaxHoldBackTurns = 3;
        private const int MaxBurst = 9;

        private readonly Dictionary<int, byte[]> _expected = [];
        private readonly List<(int Seq, EncryptedMessage Message, int DueTurn)> _inFlight = [];
        private int _turn;
        private int _highestDelivered = -1;
        private int _outOfOrder;

        public string Name { get; } = name;

        public int Sent { get; private set; }

        public int Dropped { get; private set; }

        public int Decrypted { get; private set; }

        public bool InFlight => _inFlight.Count > 0;

        public double OutOfOrderShare => (double)_outOfOrder / Decrypted;

        /// <summary>Plaintexts for this side's next burst (none once it has sent its share).</summary>
        public List<byte[]> NewBurst()
        {
            var count = Sent >= MessagesEachWay ? 0 : rng.Next(1, MaxBurst + 1);
            var burst = new List<byte[]>();
            for (var i = 0; i < count; i++)
            {
                var seq = Sent + i;
                var filler = new byte[rng.Next(0, 200)];
                rng.NextBytes(filler);
                _expected[seq] = [.. Encoding.UTF8.GetBytes($"{Name} #{seq} "), .. filler];
                burst.Add(_expected[seq]);
            }

            return burst;
        }

        /// <summary>Puts the next message on the wire: maybe lost, maybe held back for later deliveries.</summary>
        public void Send(EncryptedMessage message, bool reliable)
        {
            var seq = Sent++;
            if (!reliable && rng.NextDouble() < DropRate)
            {
                Dropped++;
                return;
            }

            var due = _turn + (!reliable && rng.NextDouble() < HoldBackRate ? rng.Next(1, MaxHoldBackTurns + 1) : 0);
            _inFlight.Add((seq, message, due));
        }

        /// <summary>Takes the messages due at the receiver's turn, some shuffled out of order.</summary>
        public List<(int Seq, EncryptedMessage Message)> Deliver()
        {
            var due = _inFlight.Where(m => m.DueTurn <= _turn).OrderBy(m => m.Seq).Select(m => (m.Seq, m.Message)).ToList();
            _inFlight.RemoveAll(m => m.DueTurn <= _turn);
            _turn++;
            for (var i = 0; i < due.Count - 1; i++)
            {
                if (rng.NextDouble() < ShuffleRate)
                {
                    var j = rng.Next(i + 1, due.Count);
                    (due[i], due[j]) = (due[j], due[i]);
                }
            }

            foreach (var (seq, _) in due)
            {
                if (seq < _highestDelivered)
                {
                    _outOfOrder++;
                }

                _highestDelivered = Math.Max(_highestDelivered, seq);
            }

            return due;
        }

        public void Check(int seq, byte[] plaintext)
        {
            Assert.True(_expected[seq].AsSpan().SequenceEqual(plaintext), $"{Name} #{seq} decrypted to the wrong plaintext");
            Decrypted++;
        }

        public string Summary() =>
            $"{Name}: sent {Sent}, decrypted {Decrypted}, dropped {Dropped}, out of order {_outOfOrder} ({OutOfOrderShare:P1})";
    }
}

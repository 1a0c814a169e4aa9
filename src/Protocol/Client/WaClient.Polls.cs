using System.Collections.Concurrent;
using System.Text;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Proto;
using WaOrleans.Protocol.Store;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// Poll votes (PROTOCOL.md §9): a vote is encrypted with the poll's message secret, so the client
/// remembers the polls it sent and received to decrypt votes and to vote: in the store when it is
/// an <see cref="IMessageSecretStore"/> (votes still decrypt after a restart), with a bounded
/// in-memory cache in front.
/// </summary>
public sealed partial class WaClient
{
    private ConcurrentDictionary<string, KnownPoll>? _polls;

    // Created on first use: most sessions idle, and an idle session should not pay for it.
    private ConcurrentDictionary<string, KnownPoll> Polls => LazyInitializer.EnsureInitialized(ref _polls, () => new(StringComparer.Ordinal));

    /// <summary>
    /// Votes on a poll this device sent or received, selecting <paramref name="optionNames"/>
    /// (none withdraws the vote); the poll's chat sees a <c>pollUpdateMessage</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The poll is unknown to this device, or it is not paired.</exception>
    public async Task<SendResult> VotePollAsync(Jid chat, string pollMessageId, IReadOnlyList<string> optionNames, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(optionNames);
        var me = Credentials?.Me?.WithoutDevice() ?? throw new InvalidOperationException("the device is not paired");
        var poll = await FindPollAsync(pollMessageId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"poll {pollMessageId} is not known to this device");
        var fromMe = poll.Creator.User == me.User || poll.Creator.User == Credentials?.MeLid?.User;
        // We name ourselves as the poll names its creator, PN or LID, as whatsmeow's EncryptPollVote does.
        var voter = poll.Creator.IsLid && Credentials?.MeLid is { } myLid ? myLid.WithoutDevice() : me;
        var update = new Message.Types.PollUpdateMessage
        {
            PollCreationMessageKey = new MessageKey { RemoteJid = chat.WithoutDevice().ToString(), FromMe = fromMe, Id = pollMessageId },
            Vote = PollVoteCrypto.Encrypt(poll.Secret, pollMessageId, poll.Creator.ToString(), voter.ToString(), optionNames, _options.Random),
            SenderTimestampMs = _time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        if (!fromMe && chat.IsGroup)
        {
            update.PollCreationMessageKey.Participant = poll.Creator.ToString();
        }

        return await SendMessageAsync(chat, new Message { PollUpdateMessage = update }, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Remembers a poll's secret and options, sent or received; votes are decrypted with them. Stored
    /// before the message is acked (received) or leaves (sent), so a vote is never unreadable.
    /// </summary>
    private async Task RememberPollAsync(string id, Jid creator, Message outer, Message content, CancellationToken cancellationToken)
    {
        var poll = content.PollCreationMessage ?? content.PollCreationMessageV2 ?? content.PollCreationMessageV3;
        var secret = (outer.MessageContextInfo ?? content.MessageContextInfo)?.MessageSecret;
        if (poll is null || secret is not { Length: > 0 })
        {
            return;
        }

        var known = new KnownPoll(creator.WithoutDevice(), secret.ToByteArray(), [.. poll.Options.Select(o => o.OptionName)]);
        CachePoll(id, known);
        if (_store is IMessageSecretStore secrets)
        {
            await secrets.StoreMessageSecretAsync(id, EncodePoll(known), cancellationToken).ConfigureAwait(false);
        }
    }

    private void CachePoll(string id, KnownPoll poll)
    {
        if (Polls.Count >= UnackedMessageCapacity)
        {
            // Only the cache: a stored poll is loaded again on its next vote.
            Polls.Clear();
        }

        Polls[id] = poll;
    }

    private async Task<KnownPoll?> FindPollAsync(string id, CancellationToken cancellationToken)
    {
        if (Polls.TryGetValue(id, out var known))
        {
            return known;
        }

        if (_store is IMessageSecretStore secrets && await secrets.LoadMessageSecretAsync(id, cancellationToken).ConfigureAwait(false) is { } record
            && DecodePoll(record) is { } stored)
        {
            CachePoll(id, stored);
            return stored;
        }

        return null;
    }

    /// <summary>The stored form of a poll: <c>&lt;poll creator&gt;&lt;secret/&gt;&lt;option/&gt;…&lt;/poll&gt;</c> as a binary node.</summary>
    private static byte[] EncodePoll(KnownPoll poll)
    {
        var children = new List<Node> { new("secret", content: poll.Secret) };
        children.AddRange(poll.Options.Select(o => new Node("option", content: Encoding.UTF8.GetBytes(o))));
        return NodeWriter.EncodeFrame(new Node("poll", Attrs(("creator", poll.Creator.ToString())), NodeContent.FromChildren(children)));
    }

    private static KnownPoll? DecodePoll(byte[] record)
    {
        try
        {
            // EncodeFrame puts a flag byte before the node.
            var node = NodeReader.Decode(record.AsSpan(1));
            return Jid.TryParse(node.GetAttr("creator"), out var creator) && Bytes(node.GetChild("secret")) is { Length: > 0 } secret
                ? new KnownPoll(creator, secret, [.. node.GetChildren("option").Select(o => Encoding.UTF8.GetString(Bytes(o) ?? []))])
                : null;
        }
        catch (NodeDecodeException)
        {
            return null;
        }
    }

    /// <summary>
    /// Decrypts a vote. The key binds the creator's and the voter's JIDs as the voter's client wrote
    /// them, PN or LID, so each known spelling is tried; GCM tells the right one.
    /// </summary>
    private async Task<PollVoteEvent?> DecryptPollVoteAsync(Jid chat, MessageSource source, Message.Types.PollUpdateMessage update, CancellationToken cancellationToken)
    {
        if (update.PollCreationMessageKey?.Id is not { Length: > 0 } pollId || update.Vote is null
            || await FindPollAsync(pollId, cancellationToken).ConfigureAwait(false) is not { } poll)
        {
            return null;
        }

        var counterpart = poll.Creator.IsLid
            ? await _store.Lids.GetPhoneNumberAsync(poll.Creator, cancellationToken).ConfigureAwait(false)
            : await _store.Lids.GetLidAsync(poll.Creator, cancellationToken).ConfigureAwait(false);
        var credentials = Credentials;
        var ours = credentials is not null && (poll.Creator.User == credentials.Me?.User || poll.Creator.User == credentials.MeLid?.User);
        // Our own poll: voters in a LID group name us by our LID, others by our number.
        Jid?[] creators = ours ? [poll.Creator, credentials!.Me?.WithoutDevice(), credentials.MeLid?.WithoutDevice(), counterpart] : [poll.Creator, counterpart];
        Jid?[] voters = [source.Author.WithoutDevice(), source.PhoneNumber, source.Lid];
        foreach (var creator in creators.OfType<Jid>().Distinct())
        {
            foreach (var voter in voters.OfType<Jid>().Distinct())
            {
                if (PollVoteCrypto.TryDecrypt(poll.Secret, pollId, creator.ToString(), voter.ToString(), update.Vote) is { } vote)
                {
                    var hashes = vote.SelectedOptions.Select(h => Convert.ToHexString(h.Span)).ToHashSet(StringComparer.Ordinal);
                    var names = poll.Options.Where(o => hashes.Contains(Convert.ToHexString(PollVoteCrypto.OptionHash(o)))).ToList();
                    return new PollVoteEvent(chat, pollId, voter, names);
                }
            }
        }

        return null;
    }

    private sealed record KnownPoll(Jid Creator, byte[] Secret, IReadOnlyList<string> Options);
}

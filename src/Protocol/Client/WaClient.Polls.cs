using System.Collections.Concurrent;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Proto;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// Poll votes (PROTOCOL.md §9): a vote is encrypted with the poll's message secret, so the client
/// remembers the polls it saw (bounded, in memory) to decrypt votes and to vote.
/// </summary>
public sealed partial class WaClient
{
    private readonly ConcurrentDictionary<string, KnownPoll> _polls = new(StringComparer.Ordinal);

    /// <summary>
    /// Votes on a poll this device sent or received, selecting <paramref name="optionNames"/>
    /// (none withdraws the vote); the poll's chat sees a <c>pollUpdateMessage</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The poll is unknown to this device, or it is not paired.</exception>
    public Task<SendResult> VotePollAsync(Jid chat, string pollMessageId, IReadOnlyList<string> optionNames, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(optionNames);
        var me = Credentials?.Me?.WithoutDevice() ?? throw new InvalidOperationException("the device is not paired");
        var poll = FindPoll(pollMessageId) ?? throw new InvalidOperationException($"poll {pollMessageId} is not known to this device");
        var fromMe = poll.Creator.User == me.User || poll.Creator.User == Credentials?.MeLid?.User;
        var update = new Message.Types.PollUpdateMessage
        {
            PollCreationMessageKey = new MessageKey { RemoteJid = chat.WithoutDevice().ToString(), FromMe = fromMe, Id = pollMessageId },
            Vote = PollVoteCrypto.Encrypt(poll.Secret, pollMessageId, poll.Creator.ToString(), me.ToString(), optionNames, _options.Random),
            SenderTimestampMs = _time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        if (!fromMe && chat.IsGroup)
        {
            update.PollCreationMessageKey.Participant = poll.Creator.ToString();
        }

        return SendMessageAsync(chat, new Message { PollUpdateMessage = update }, cancellationToken: cancellationToken);
    }

    /// <summary>Remembers a poll's secret and options; a vote is decrypted with them.</summary>
    private void RememberPoll(string id, Jid creator, Message outer, Message content)
    {
        var poll = content.PollCreationMessage ?? content.PollCreationMessageV2 ?? content.PollCreationMessageV3;
        var secret = (outer.MessageContextInfo ?? content.MessageContextInfo)?.MessageSecret;
        if (poll is null || secret is not { Length: > 0 })
        {
            return;
        }

        if (_polls.Count >= UnackedMessageCapacity)
        {
            // Votes on a forgotten poll still arrive as messages, only without a decrypted PollVoteEvent.
            _polls.Clear();
        }

        _polls[id] = new KnownPoll(creator.WithoutDevice(), secret.ToByteArray(), [.. poll.Options.Select(o => o.OptionName)]);
    }

    private KnownPoll? FindPoll(string id)
    {
        if (_polls.TryGetValue(id, out var known))
        {
            return known;
        }

        return _recentSends.TryGetValue(id, out var sent) && Credentials?.Me is { } me
            && (sent.Message.PollCreationMessage ?? sent.Message.PollCreationMessageV2 ?? sent.Message.PollCreationMessageV3) is { } poll
            && sent.Message.MessageContextInfo?.MessageSecret is { Length: > 0 } secret
            ? new KnownPoll(me.WithoutDevice(), secret.ToByteArray(), [.. poll.Options.Select(o => o.OptionName)])
            : null;
    }

    /// <summary>
    /// Decrypts a vote. The key binds the creator's and the voter's JIDs as the voter's client wrote
    /// them, PN or LID, so each known spelling is tried; GCM tells the right one.
    /// </summary>
    private async Task<PollVoteEvent?> DecryptPollVoteAsync(Jid chat, MessageSource source, Message.Types.PollUpdateMessage update, CancellationToken cancellationToken)
    {
        if (update.PollCreationMessageKey?.Id is not { Length: > 0 } pollId || update.Vote is null || FindPoll(pollId) is not { } poll)
        {
            return null;
        }

        var counterpart = poll.Creator.IsLid
            ? await _store.Lids.GetPhoneNumberAsync(poll.Creator, cancellationToken).ConfigureAwait(false)
            : await _store.Lids.GetLidAsync(poll.Creator, cancellationToken).ConfigureAwait(false);
        Jid?[] creators = [poll.Creator, counterpart];
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

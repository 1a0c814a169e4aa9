using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using WaOrleans.Protocol.Proto;
using WaOrleans.Protocol.Signal;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// Poll vote encryption (Baileys <c>decryptPollVote</c>/whatsmeow <c>EncryptPollVote</c>): the key is
/// HMAC-SHA256(HMAC-SHA256(32 zero bytes, messageSecret), pollId ‖ creator ‖ voter ‖ "Poll Vote" ‖ 0x01),
/// the payload AES-256-GCM with the AAD <c>pollId \0 voter</c>; options are SHA-256 of their names.
/// </summary>
internal static class PollVoteCrypto
{
    /// <summary>The GCM nonce size WhatsApp uses for votes.</summary>
    private const int IvSize = 12;

    /// <summary>The GCM tag size, appended to the ciphertext as Baileys and whatsmeow do.</summary>
    private const int TagSize = 16;

    /// <summary>The use-case label of the key derivation.</summary>
    private const string Label = "Poll Vote";

    public static byte[] OptionHash(string name) => SHA256.HashData(Encoding.UTF8.GetBytes(name));

    public static Message.Types.PollEncValue Encrypt(byte[] secret, string pollId, string creator, string voter, IEnumerable<string> optionNames, ISignalRandom random)
    {
        var vote = new Message.Types.PollVoteMessage();
        vote.SelectedOptions.AddRange(optionNames.Select(n => ByteString.CopyFrom(OptionHash(n))));
        var plaintext = vote.ToByteArray();
        var iv = new byte[IvSize];
        random.Fill(iv);
        var output = new byte[plaintext.Length + TagSize];
        using var gcm = new AesGcm(Key(secret, pollId, creator, voter), TagSize);
        gcm.Encrypt(iv, plaintext, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length), Aad(pollId, voter));
        return new Message.Types.PollEncValue { EncPayload = ByteString.CopyFrom(output), EncIv = ByteString.CopyFrom(iv) };
    }

    /// <summary>Decrypts a vote, or returns null when the key does not fit (wrong creator or voter JID, or a forged vote).</summary>
    public static Message.Types.PollVoteMessage? TryDecrypt(byte[] secret, string pollId, string creator, string voter, Message.Types.PollEncValue value)
    {
        var payload = value.EncPayload.Span;
        if (payload.Length < TagSize || value.EncIv.Length != IvSize)
        {
            return null;
        }

        var plaintext = new byte[payload.Length - TagSize];
        using var gcm = new AesGcm(Key(secret, pollId, creator, voter), TagSize);
        try
        {
            gcm.Decrypt(value.EncIv.Span, payload[..^TagSize], payload[^TagSize..], plaintext, Aad(pollId, voter));
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }

        return Message.Types.PollVoteMessage.Parser.ParseFrom(plaintext);
    }

    private static byte[] Key(byte[] secret, string pollId, string creator, string voter)
    {
        var first = HMACSHA256.HashData(new byte[32], secret);
        var sign = Encoding.UTF8.GetBytes(pollId + creator + voter + Label).Append((byte)1).ToArray();
        return HMACSHA256.HashData(first, sign);
    }

    private static byte[] Aad(string pollId, string voter) => Encoding.UTF8.GetBytes(pollId + "\0" + voter);
}

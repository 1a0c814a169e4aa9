using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.State;
using WaOrleans.Protocol.Signal.Storage;

namespace WaOrleans.Protocol.Store;

/// <summary>
/// Converts libsignal-node's session JSON (what Baileys writes to <c>session-{address}.json</c>:
/// <c>{_sessions: {baseKey: entry}, version}</c>) into our <see cref="SessionRecord"/>, so the
/// peers of an imported device keep their sessions and need no retry round.
/// </summary>
internal static class BaileysSessionImport
{
    /// <summary>libsignal-node's chain type of the sending chain (receiving chains are 2).</summary>
    private const int SendingChain = 1;

    /// <summary>libsignal-node's <c>closed</c> value of the open session.</summary>
    private const long Open = -1;

    /// <summary>Reads one session file's record for a device whose identity and registration id are given.</summary>
    /// <exception cref="InvalidDataException">The JSON is not a libsignal-node session record with an open session.</exception>
    public static SessionRecord Convert(JsonElement record, IdentityKeyPair local, RegistrationId localRegistrationId)
    {
        try
        {
            return ConvertRecord(record, local, localRegistrationId);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException or CryptoException or SignalProtocolException)
        {
            throw new InvalidDataException("a session file is not a libsignal-node session record: " + ex.Message, ex);
        }
    }

    private static SessionRecord ConvertRecord(JsonElement record, IdentityKeyPair local, RegistrationId localRegistrationId)
    {
        var entries = record.GetProperty("_sessions").EnumerateObject().Select(p => p.Value).ToList();
        var open = entries.Where(e => e.GetProperty("indexInfo").GetProperty("closed").GetInt64() == Open).ToList();
        if (open.Count != 1)
        {
            throw new InvalidDataException("a session record has no single open session");
        }

        var structure = new SessionRecordStructure { Current = Session(open[0], local, localRegistrationId) };
        structure.Previous.AddRange(entries.Except(open)
            .OrderByDescending(e => e.GetProperty("indexInfo").GetProperty("closed").GetInt64())
            .Select(e => Session(e, local, localRegistrationId)));
        return SessionRecord.Deserialize(structure.ToByteArray());
    }

    private static SessionStructure Session(JsonElement entry, IdentityKeyPair local, RegistrationId localRegistrationId)
    {
        var ratchet = entry.GetProperty("currentRatchet");
        var index = entry.GetProperty("indexInfo");
        var ourRatchet = ratchet.GetProperty("ephemeralKeyPair");
        var ourRatchetPublic = Bytes(ourRatchet.GetProperty("pubKey"));
        var session = new SessionStructure
        {
            Version = SignalConstants.CurrentVersion,
            LocalIdentityPublic = ByteString.CopyFrom(local.PublicKey.PublicKey),
            RemoteIdentityPublic = Raw(index.GetProperty("remoteIdentityKey")),
            RootKey = ByteString.CopyFrom(Bytes(ratchet.GetProperty("rootKey"))),
            PreviousCounter = ratchet.GetProperty("previousCounter").GetUInt32(),
            RemoteRegistrationId = entry.GetProperty("registrationId").GetUInt32(),
            LocalRegistrationId = localRegistrationId.Value,
            AliceBaseKey = Raw(index.GetProperty("baseKey")),
        };
        foreach (var chain in entry.GetProperty("_chains").EnumerateObject())
        {
            var converted = Chain(chain.Value, System.Convert.FromBase64String(chain.Name));
            if (chain.Value.GetProperty("chainType").GetInt32() == SendingChain && chain.Name == System.Convert.ToBase64String(ourRatchetPublic))
            {
                converted.RatchetPrivateKey = ByteString.CopyFrom(Curve25519.FromPrivateKey(Bytes(ourRatchet.GetProperty("privKey"))).PrivateKey);
                session.SenderChain = converted;
            }
            else
            {
                // libsignal-node keeps chains in the order it made them, so the newest receiving chain comes last, as ours.
                session.ReceiverChains.Add(converted);
            }
        }

        if (entry.TryGetProperty("pendingPreKey", out var pending) && pending.ValueKind == JsonValueKind.Object)
        {
            var structure = new PendingPreKeyStructure
            {
                SignedPreKeyId = pending.GetProperty("signedKeyId").GetUInt32(),
                BaseKey = Raw(pending.GetProperty("baseKey")),
                TimestampUnixMs = index.GetProperty("created").GetInt64(),
            };
            if (pending.TryGetProperty("preKeyId", out var preKeyId) && preKeyId.ValueKind == JsonValueKind.Number)
            {
                structure.PreKeyId = preKeyId.GetUInt32();
            }

            session.PendingPreKey = structure;
        }

        return session;
    }

    /// <summary>
    /// A chain: libsignal-node's counter is the index of the last key it derived (-1 for none), ours
    /// the index of the next; an old receiving chain keeps only its skipped keys, no chain key.
    /// </summary>
    private static ChainStructure Chain(JsonElement chain, byte[] ratchetKey)
    {
        var chainKey = chain.GetProperty("chainKey");
        var structure = new ChainStructure
        {
            RatchetPublicKey = ByteString.CopyFrom(ratchetKey.AsSpan(ratchetKey.Length - Curve25519.KeySize)),
            ChainKey = chainKey.TryGetProperty("key", out var key) && key.ValueKind == JsonValueKind.String ? ByteString.CopyFrom(Bytes(key)) : ByteString.Empty,
            Index = (uint)(chainKey.GetProperty("counter").GetInt64() + 1),
        };
        structure.MessageKeys.AddRange(chain.GetProperty("messageKeys").EnumerateObject()
            .Select(k => new MessageKeyStructure { Index = uint.Parse(k.Name, NumberStyles.None, CultureInfo.InvariantCulture), Seed = ByteString.CopyFrom(Bytes(k.Value)) })
            .OrderBy(k => k.Index));
        return structure;
    }

    private static byte[] Bytes(JsonElement base64) => System.Convert.FromBase64String(base64.GetString() ?? "");

    /// <summary>A public key without libsignal's 0x05 type byte, as our records store them.</summary>
    private static ByteString Raw(JsonElement base64)
    {
        var bytes = Bytes(base64);
        return ByteString.CopyFrom(bytes.AsSpan(Math.Max(0, bytes.Length - Curve25519.KeySize)));
    }
}

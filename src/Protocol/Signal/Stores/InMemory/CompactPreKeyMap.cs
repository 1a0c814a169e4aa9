// The one-time prekeys of an in-memory store, kept as bare private keys: a session holds hundreds
// of them (812 after the first login) and reads one only when a peer starts a session with it.
using System.Numerics;
using System.Security.Cryptography;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Signal.State;

namespace WaOrleans.Protocol.Signal.Stores.InMemory;

/// <summary>
/// Maps prekey ids to prekeys at 32 bytes a key: private keys sit in chunks of
/// <see cref="ChunkSize"/> consecutive ids, and the public key is derived again on load. Not
/// thread-safe; the owning store locks around it.
/// </summary>
/// <remarks>
/// Only a key pair whose public key is the one its private key derives goes into a chunk (always
/// so for generated keys; a key pair read from elsewhere is checked once). Any other record is kept
/// whole, as its serialized bytes, so a load always returns exactly what was stored.
/// </remarks>
internal sealed class CompactPreKeyMap
{
    /// <summary>Ids per chunk: one <see cref="ulong"/> of presence bits, and 2 KiB of keys, so a retry's lone prekey costs little.</summary>
    private const int ChunkSize = 64;

    /// <summary>The shift from an id to its chunk's number (log2 of <see cref="ChunkSize"/>).</summary>
    private const int ChunkShift = 6;

    private readonly Dictionary<uint, Chunk> _chunks = [];
    private Dictionary<PreKeyId, byte[]>? _records;

    /// <summary>Stores a prekey under its id, replacing any other.</summary>
    public void Store(PreKeyRecord record)
    {
        var keyPair = record.KeyPair;
        if (keyPair.PublicKeyDerived || IsDerived(keyPair))
        {
            _records?.Remove(record.Id);
            var number = record.Id.Value >> ChunkShift;
            if (!_chunks.TryGetValue(number, out var chunk))
            {
                chunk = new Chunk();
                _chunks.Add(number, chunk);
            }

            chunk.Set(Slot(record.Id), keyPair.PrivateKey);
        }
        else
        {
            Remove(record.Id);
            (_records ??= [])[record.Id] = record.Serialize();
        }
    }

    /// <summary>Loads a prekey, or null when it is unknown or removed.</summary>
    public PreKeyRecord? Load(PreKeyId id)
    {
        if (_records is not null && _records.TryGetValue(id, out var bytes))
        {
            return PreKeyRecord.Deserialize(bytes);
        }

        return _chunks.TryGetValue(id.Value >> ChunkShift, out var chunk) && chunk.Has(Slot(id))
            ? new PreKeyRecord(id, Curve25519.FromPrivateKey(chunk.PrivateKey(Slot(id))))
            : null;
    }

    /// <summary>Removes a prekey and wipes its private key; removing an unknown one does nothing.</summary>
    public void Remove(PreKeyId id)
    {
        _records?.Remove(id);
        var number = id.Value >> ChunkShift;
        if (_chunks.TryGetValue(number, out var chunk) && chunk.Clear(Slot(id)))
        {
            _chunks.Remove(number);
        }
    }

    /// <summary>Returns every prekey, in no particular order.</summary>
    public IEnumerable<PreKeyRecord> All()
    {
        foreach (var (number, chunk) in _chunks)
        {
            for (var slot = 0; slot < ChunkSize; slot++)
            {
                if (chunk.Has(slot))
                {
                    yield return new PreKeyRecord(new PreKeyId((number << ChunkShift) | (uint)slot), Curve25519.FromPrivateKey(chunk.PrivateKey(slot)));
                }
            }
        }

        foreach (var bytes in _records?.Values ?? Enumerable.Empty<byte[]>())
        {
            yield return PreKeyRecord.Deserialize(bytes);
        }
    }

    private static int Slot(PreKeyId id) => (int)(id.Value & (ChunkSize - 1));

    /// <summary>Checks that the private key is clamped and derives the public key, so a load can rebuild the pair exactly.</summary>
    private static bool IsDerived(KeyPair keyPair)
    {
        var derived = Curve25519.FromPrivateKey(keyPair.PrivateKey);
        return derived.PrivateKey.SequenceEqual(keyPair.PrivateKey) && derived.PublicKey.SequenceEqual(keyPair.PublicKey);
    }

    /// <summary>The private keys of <see cref="ChunkSize"/> consecutive ids, and which of them are present.</summary>
    private sealed class Chunk
    {
        private readonly byte[] _keys = new byte[ChunkSize * Curve25519.KeySize];
        private ulong _present;

        public bool Has(int slot) => (_present & (1UL << slot)) != 0;

        public ReadOnlySpan<byte> PrivateKey(int slot) => _keys.AsSpan(slot * Curve25519.KeySize, Curve25519.KeySize);

        public void Set(int slot, ReadOnlySpan<byte> privateKey)
        {
            privateKey.CopyTo(_keys.AsSpan(slot * Curve25519.KeySize, Curve25519.KeySize));
            _present |= 1UL << slot;
        }

        /// <summary>Wipes a slot; returns whether the chunk is now empty.</summary>
        public bool Clear(int slot)
        {
            CryptographicOperations.ZeroMemory(_keys.AsSpan(slot * Curve25519.KeySize, Curve25519.KeySize));
            _present &= ~(1UL << slot);
            return _present == 0;
        }

        /// <summary>Describes the chunk by how many keys it holds, never the keys.</summary>
        public override string ToString() => $"Chunk({BitOperations.PopCount(_present)} keys)";
    }
}

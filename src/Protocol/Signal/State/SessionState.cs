// One Double Ratchet session with one peer device, over its persisted protobuf. SessionState
// holds and steps the ratchet (SessionState.Ratchet.cs) but never parses or builds wire messages,
// never encrypts, and never touches a store: SessionCipher does those.
using Google.Protobuf;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Signal.Ratchet;
using WaOrleans.Protocol.Signal.Storage;

namespace WaOrleans.Protocol.Signal.State;

/// <summary>The X3DH values an initiator repeats in every PreKeyWhisperMessage until the peer answers.</summary>
/// <param name="PreKeyId">The peer's one-time prekey we used, if its bundle had one.</param>
/// <param name="SignedPreKeyId">The peer's signed prekey we used.</param>
/// <param name="BaseKey">Our X3DH base public key (raw 32 bytes).</param>
/// <param name="Timestamp">When the session was built.</param>
internal sealed record PendingPreKey(PreKeyId? PreKeyId, SignedPreKeyId SignedPreKeyId, byte[] BaseKey, DateTimeOffset Timestamp);

/// <summary>A session's persisted state: identities, root key, sending chain and receiving chains.</summary>
internal sealed partial class SessionState
{
    private readonly SessionStructure _s;

    internal SessionState(SessionStructure structure) => _s = structure;

    /// <summary>Gets the protobuf this state lives in (for the record's serializer).</summary>
    internal SessionStructure Structure => _s;

    /// <summary>Builds a fresh session once X3DH has produced its keys.</summary>
    internal static SessionState Create(
        IdentityKey localIdentity, IdentityKey remoteIdentity, RootKey root,
        KeyPair senderRatchetKey, ChainKey senderChain, ReadOnlySpan<byte> aliceBaseKey,
        RegistrationId localRegistrationId, RegistrationId remoteRegistrationId)
    {
        var structure = new SessionStructure
        {
            Version = SignalConstants.CurrentVersion,
            LocalIdentityPublic = ByteString.CopyFrom(localIdentity.PublicKey),
            RemoteIdentityPublic = ByteString.CopyFrom(remoteIdentity.PublicKey),
            RootKey = SignalKeys.Wrap(root.Key),
            AliceBaseKey = ByteString.CopyFrom(aliceBaseKey),
            LocalRegistrationId = localRegistrationId.Value,
            RemoteRegistrationId = remoteRegistrationId.Value,
        };
        var state = new SessionState(structure);
        state.SetSenderChain(senderRatchetKey, senderChain);
        return state;
    }

    /// <summary>Gets our identity public key as the session was built with (raw 32 bytes).</summary>
    internal ReadOnlySpan<byte> LocalIdentity => _s.LocalIdentityPublic.Span;

    /// <summary>Gets the peer's identity public key (raw 32 bytes).</summary>
    internal ReadOnlySpan<byte> RemoteIdentityBytes => _s.RemoteIdentityPublic.Span;

    /// <summary>Gets the peer's identity key.</summary>
    internal IdentityKey RemoteIdentity => IdentityKey.FromRawUnchecked(_s.RemoteIdentityPublic.ToByteArray());

    /// <summary>Gets the initiator's base key, which names the session on both sides.</summary>
    internal ReadOnlySpan<byte> AliceBaseKey => _s.AliceBaseKey.Span;

    /// <summary>Gets our registration id as sent in PreKeyWhisperMessages.</summary>
    internal RegistrationId LocalRegistrationId => new(_s.LocalRegistrationId);

    /// <summary>Gets the peer's registration id.</summary>
    internal RegistrationId RemoteRegistrationId => new(_s.RemoteRegistrationId);

    /// <summary>Gets the counter of the last message of our previous sending chain (sent in each message).</summary>
    internal uint PreviousCounter => _s.PreviousCounter;

    /// <summary>Gets our current ratchet public key (raw 32 bytes).</summary>
    internal ReadOnlySpan<byte> SenderRatchetPublicKey => _s.SenderChain.RatchetPublicKey.Span;

    /// <summary>Gets whether the session still waits for the peer's first answer.</summary>
    internal bool HasPendingPreKey => _s.PendingPreKey is not null;

    /// <summary>Gets the pending X3DH values, or null once the peer has answered.</summary>
    internal PendingPreKey? PendingPreKey => _s.PendingPreKey is { } p
        ? new PendingPreKey(
            p.HasPreKeyId ? new PreKeyId(p.PreKeyId) : null,
            new SignedPreKeyId(p.SignedPreKeyId),
            p.BaseKey.ToByteArray(),
            DateTimeOffset.FromUnixTimeMilliseconds(p.TimestampUnixMs))
        : null;

    /// <summary>Records the X3DH values to repeat until the peer answers.</summary>
    internal void SetPendingPreKey(PendingPreKey pending)
    {
        var structure = new PendingPreKeyStructure
        {
            SignedPreKeyId = pending.SignedPreKeyId.Value,
            BaseKey = ByteString.CopyFrom(pending.BaseKey),
            TimestampUnixMs = pending.Timestamp.ToUnixTimeMilliseconds(),
        };
        if (pending.PreKeyId is { } id)
        {
            structure.PreKeyId = id.Value;
        }

        _s.PendingPreKey = structure;
    }

    /// <summary>Checks the stored fields a session cannot work without.</summary>
    internal void Validate()
    {
        if (_s.Version != SignalConstants.CurrentVersion
            || _s.LocalIdentityPublic.Length != Curve25519.KeySize
            || _s.RemoteIdentityPublic.Length != Curve25519.KeySize
            || _s.RootKey.Length != SignalConstants.KeySize
            || _s.SenderChain is null
            || _s.SenderChain.RatchetPrivateKey.Length != Curve25519.KeySize
            || _s.SenderChain.ChainKey.Length != SignalConstants.KeySize)
        {
            SignalProtocolException.Throw(SignalErrorKind.CorruptRecord, "stored session is incomplete");
        }
    }

    /// <summary>Describes the session by its counters only.</summary>
    public override string ToString() =>
        $"SessionState(v{_s.Version}, sending index {_s.SenderChain?.Index}, receiving chains {_s.ReceiverChains.Count}, pending prekey {HasPendingPreKey})";

    private RootKey CurrentRootKey => new(_s.RootKey.ToByteArray());

    private KeyPair SenderRatchetKeyPair => SignalKeys.ReadKeyPair(_s.SenderChain.RatchetPublicKey, _s.SenderChain.RatchetPrivateKey);

    private ChainKey SenderChainKey => new(_s.SenderChain.ChainKey.ToByteArray(), _s.SenderChain.Index);

    private void SetSenderChain(KeyPair ratchetKey, ChainKey chain) => _s.SenderChain = new ChainStructure
    {
        RatchetPublicKey = ByteString.CopyFrom(ratchetKey.PublicKey),
        RatchetPrivateKey = ByteString.CopyFrom(ratchetKey.PrivateKey),
        ChainKey = SignalKeys.Wrap(chain.Key),
        Index = chain.Index,
    };

    private ChainStructure? FindReceiverChain(ReadOnlySpan<byte> ratchetKey)
    {
        foreach (var chain in _s.ReceiverChains)
        {
            if (chain.RatchetPublicKey.Span.SequenceEqual(ratchetKey))
            {
                return chain;
            }
        }

        return null;
    }
}

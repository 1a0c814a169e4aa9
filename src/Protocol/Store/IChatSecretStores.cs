using WaOrleans.Protocol.Binary;

namespace WaOrleans.Protocol.Store;

/// <summary>
/// Message secrets a device must keep across restarts: a poll's secret (from its
/// <c>messageContextInfo</c>) encrypts every vote on it, so without the stored secret a vote that
/// arrives after a restart cannot be read. Keyed by the message id; the record is the client's
/// opaque bytes. An <see cref="IDeviceStore"/> that also implements this interface keeps them;
/// otherwise the client holds them in memory only.
/// </summary>
public interface IMessageSecretStore
{
    /// <summary>Stores the record of a message's secret, replacing any other for that id.</summary>
    ValueTask StoreMessageSecretAsync(string messageId, byte[] record, CancellationToken cancellationToken = default);

    /// <summary>Loads the record of a message's secret, or null when unknown.</summary>
    ValueTask<byte[]?> LoadMessageSecretAsync(string messageId, CancellationToken cancellationToken = default);
}

/// <summary>A privacy (trusted-contact) token a contact issued to us, and when (PROTOCOL.md §7.7).</summary>
/// <param name="Token">The opaque token bytes, sent back in <c>&lt;tctoken&gt;</c>.</param>
/// <param name="Timestamp">When the contact issued it (the notification's <c>t</c>).</param>
public sealed record PrivacyToken(ReadOnlyMemory<byte> Token, DateTimeOffset Timestamp)
{
    /// <summary>Describes the token by its time only; the bytes are a credential.</summary>
    public override string ToString() => $"PrivacyToken({Timestamp:O})";
}

/// <summary>
/// Privacy tokens by contact, from <c>privacy_token</c> notifications. WhatsApp Web attaches a
/// contact's token to messages and presence subscriptions for that contact; losing them at a
/// restart makes the server refuse some sends (463). An <see cref="IDeviceStore"/> that also
/// implements this interface keeps them; otherwise the client holds them in memory only.
/// </summary>
public interface IPrivacyTokenStore
{
    /// <summary>Stores a contact's token (a user JID, PN or LID, without device), replacing an older one.</summary>
    ValueTask StorePrivacyTokenAsync(Jid user, PrivacyToken token, CancellationToken cancellationToken = default);

    /// <summary>Loads a contact's token, or null when none was issued.</summary>
    ValueTask<PrivacyToken?> LoadPrivacyTokenAsync(Jid user, CancellationToken cancellationToken = default);
}

using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Signal.Stores;
using WaOrleans.Protocol.Signal.Stores.InMemory;

namespace WaOrleans.Protocol.Store;

/// <summary>
/// The reference <see cref="IDeviceStore"/>: credentials kept as their serialized bytes (so every
/// load is an independent copy, as from a database), an <see cref="InMemorySignalProtocolStore"/>,
/// and an in-memory LID map. For tests and single-process tools; nothing survives the process.
/// </summary>
public sealed class InMemoryDeviceStore : IDeviceStore, IMessageSecretStore, IPrivacyTokenStore
{
    private readonly Lock _lock = new();
    private readonly InMemoryLidStore _lids = new();
    private readonly Dictionary<string, byte[]> _messageSecrets = new(StringComparer.Ordinal);
    private readonly Dictionary<Jid, PrivacyToken> _privacyTokens = [];
    private byte[]? _credentials;
    private InMemorySignalProtocolStore? _signal;

    /// <inheritdoc/>
    public ILidStore Lids => _lids;

    /// <inheritdoc/>
    public ValueTask<DeviceCredentials?> LoadCredentialsAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new(_credentials is null ? null : DeviceCredentials.Deserialize(_credentials));
        }
    }

    /// <inheritdoc/>
    public ValueTask SaveCredentialsAsync(DeviceCredentials credentials, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        var bytes = credentials.Serialize();
        lock (_lock)
        {
            _credentials = bytes;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<ISignalProtocolStore> OpenSignalStoreAsync(DeviceCredentials credentials, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        lock (_lock)
        {
            _signal ??= new InMemorySignalProtocolStore(credentials.IdentityKey, credentials.RegistrationId);
            return new(_signal);
        }
    }

    /// <inheritdoc/>
    public ValueTask WipeAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _credentials = null;
            _signal = null;
            _messageSecrets.Clear();
            _privacyTokens.Clear();
        }

        _lids.Clear();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask StoreMessageSecretAsync(string messageId, byte[] record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            _messageSecrets[messageId] = [.. record];
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<byte[]?> LoadMessageSecretAsync(string messageId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new(_messageSecrets.TryGetValue(messageId, out var record) ? [.. record] : null);
        }
    }

    /// <inheritdoc/>
    public ValueTask StorePrivacyTokenAsync(Jid user, PrivacyToken token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        lock (_lock)
        {
            _privacyTokens[user.WithoutDevice()] = token with { Token = token.Token.ToArray() };
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<PrivacyToken?> LoadPrivacyTokenAsync(Jid user, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new(_privacyTokens.GetValueOrDefault(user.WithoutDevice()));
        }
    }

    /// <summary>Describes the store by whether it holds credentials.</summary>
    public override string ToString() => $"InMemoryDeviceStore({(_credentials is null ? "empty" : "credentials")})";
}

/// <summary>The reference <see cref="ILidStore"/>: two dictionaries under one lock.</summary>
public sealed class InMemoryLidStore : ILidStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Jid, Jid> _phoneByLid = [];
    private readonly Dictionary<Jid, Jid> _lidByPhone = [];

    /// <inheritdoc/>
    public ValueTask StoreMappingAsync(Jid lid, Jid phoneNumber, CancellationToken cancellationToken = default)
    {
        if (!lid.IsLid || !phoneNumber.IsPhoneNumber)
        {
            throw new ArgumentException($"a mapping pairs a LID with a phone number, not {lid} with {phoneNumber}");
        }

        var lidUser = lid.WithoutDevice();
        var phoneUser = phoneNumber.WithoutDevice();
        lock (_lock)
        {
            if (_phoneByLid.TryGetValue(lidUser, out var oldPhone))
            {
                _lidByPhone.Remove(oldPhone);
            }

            if (_lidByPhone.TryGetValue(phoneUser, out var oldLid))
            {
                _phoneByLid.Remove(oldLid);
            }

            _phoneByLid[lidUser] = phoneUser;
            _lidByPhone[phoneUser] = lidUser;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<Jid?> GetPhoneNumberAsync(Jid lid, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new(_phoneByLid.TryGetValue(lid.WithoutDevice(), out var phone) ? phone : null);
        }
    }

    /// <inheritdoc/>
    public ValueTask<Jid?> GetLidAsync(Jid phoneNumber, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new(_lidByPhone.TryGetValue(phoneNumber.WithoutDevice(), out var lid) ? lid : null);
        }
    }

    /// <summary>Forgets every mapping.</summary>
    internal void Clear()
    {
        lock (_lock)
        {
            _phoneByLid.Clear();
            _lidByPhone.Clear();
        }
    }
}

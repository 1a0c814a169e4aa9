using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Store;

namespace WaOrleans.Grains.Storage;

/// <summary>The <see cref="ILidStore"/> of one session: user JIDs (device parts dropped) as text.</summary>
/// <remarks>
/// The session's owner keeps one store for everything (<see cref="DeviceStorage.ForSession"/>), and
/// every write to the session's mappings goes through it (or through the device store's wipe,
/// which calls <see cref="Forget"/>). So it remembers what it read and wrote, found or not: a
/// message whose sender's mapping is known again writes nothing, and a send looking up its
/// recipient's LID reads nothing. Before, every received message rewrote its sender's mapping in
/// a transaction of its own.
/// </remarks>
internal sealed class SqlLidStore(SessionDatabase database) : ILidStore
{
    // A mapping replaces older mappings of either side, so each LID and each number maps once.
    private const string DeleteOlderSql = "DELETE FROM lid_mappings WHERE session_id = @session AND (lid_user = @lid OR phone_user = @phone)";

    private const string InsertSql = "INSERT INTO lid_mappings (session_id, lid_user, phone_user) VALUES (@session, @lid, @phone)";

    private const string PhoneByLidSql = "SELECT phone_user FROM lid_mappings WHERE session_id = @session AND lid_user = @lid";

    private const string LidByPhoneSql = "SELECT lid_user FROM lid_mappings WHERE session_id = @session AND phone_user = @phone";

    /// <summary>How many users of each side are remembered before the memory starts over (about 100 bytes each, per session).</summary>
    internal const int RememberedUsers = 1024;

    private readonly Lock _gate = new();

    // User JID text → the other side's user JID text, or null when the database had none.
    private readonly Dictionary<string, string?> _phoneByLid = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _lidByPhone = new(StringComparer.Ordinal);

    // Counts writes begun: a read remembers what it found only if no write began meanwhile.
    private long _writes;

    /// <inheritdoc/>
    public async ValueTask StoreMappingAsync(Jid lid, Jid phoneNumber, CancellationToken cancellationToken = default)
    {
        if (!lid.IsLid || !phoneNumber.IsPhoneNumber)
        {
            throw new ArgumentException($"a mapping pairs a LID with a phone number, not {lid} with {phoneNumber}");
        }

        var lidUser = lid.WithoutDevice().ToString();
        var phoneUser = phoneNumber.WithoutDevice().ToString();
        lock (_gate)
        {
            if (_phoneByLid.TryGetValue(lidUser, out var knownPhone) && knownPhone == phoneUser
                && _lidByPhone.TryGetValue(phoneUser, out var knownLid) && knownLid == lidUser)
            {
                return;
            }
        }

        var scope = await database.OpenAsync(transactional: true, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
        {
            // Until written, neither side is known: a failed or rolled-back write leaves the database to say.
            ForgetEither(lidUser, phoneUser);
            foreach (var sql in (string[])[DeleteOlderSql, InsertSql])
            {
                await using var command = scope.Command(sql).With("@session", database.SessionId).With("@lid", lidUser).With("@phone", phoneUser);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await scope.CompleteAsync(cancellationToken).ConfigureAwait(false);
            if (scope.CommitsItself)
            {
                Remember(lidUser, phoneUser);
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask<Jid?> GetPhoneNumberAsync(Jid lid, CancellationToken cancellationToken = default) =>
        LookupAsync(PhoneByLidSql, "@lid", lid, _phoneByLid, _lidByPhone, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<Jid?> GetLidAsync(Jid phoneNumber, CancellationToken cancellationToken = default) =>
        LookupAsync(LidByPhoneSql, "@phone", phoneNumber, _lidByPhone, _phoneByLid, cancellationToken);

    /// <summary>Forgets every mapping read or written, after the session's rows were deleted behind this store.</summary>
    public void Forget()
    {
        lock (_gate)
        {
            _writes++;
            _phoneByLid.Clear();
            _lidByPhone.Clear();
        }
    }

    private async ValueTask<Jid?> LookupAsync(string sql, string parameter, Jid user, Dictionary<string, string?> memory, Dictionary<string, string?> reverse,
        CancellationToken cancellationToken)
    {
        var key = user.WithoutDevice().ToString();
        long writes;
        lock (_gate)
        {
            if (memory.TryGetValue(key, out var known))
            {
                return known is null ? null : Jid.Parse(known);
            }

            writes = _writes;
        }

        var scope = await database.OpenAsync(transactional: false, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
        {
            await using var command = scope.Command(sql).With("@session", database.SessionId).With(parameter, key);
            var found = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            // Outside a unit of work the read saw committed rows only; a write begun meanwhile may have changed them.
            lock (_gate)
            {
                if (scope.CommitsItself && writes == _writes)
                {
                    MakeRoom();
                    memory[key] = found;
                    if (found is not null)
                    {
                        reverse[found] = key;
                    }
                }
            }

            return found is null ? null : Jid.Parse(found);
        }
    }

    private void ForgetEither(string lidUser, string phoneUser)
    {
        lock (_gate)
        {
            _writes++;
            if (_phoneByLid.Remove(lidUser, out var oldPhone) && oldPhone is not null)
            {
                _lidByPhone.Remove(oldPhone);
            }

            if (_lidByPhone.Remove(phoneUser, out var oldLid) && oldLid is not null)
            {
                _phoneByLid.Remove(oldLid);
            }
        }
    }

    private void Remember(string lidUser, string phoneUser)
    {
        lock (_gate)
        {
            ForgetEither(lidUser, phoneUser);
            MakeRoom();
            _phoneByLid[lidUser] = phoneUser;
            _lidByPhone[phoneUser] = lidUser;
        }
    }

    /// <summary>Starts over when either side holds too many users (call under the gate).</summary>
    private void MakeRoom()
    {
        if (_phoneByLid.Count >= RememberedUsers || _lidByPhone.Count >= RememberedUsers)
        {
            _phoneByLid.Clear();
            _lidByPhone.Clear();
        }
    }
}

using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Store;

namespace WaOrleans.Grains.Storage;

/// <summary>The <see cref="ILidStore"/> of one session: user JIDs (device parts dropped) as text.</summary>
/// <remarks>
/// It remembers what it read and committed, found or not (<see cref="CommittedMemory{TValue}"/>):
/// a message whose sender's mapping is known again writes nothing, and a send looking up its
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

    /// <summary>How many users (either side) are remembered before the memory starts over (about 100 bytes each, per session).</summary>
    internal const int RememberedUsers = 2048;

    // User JID text of either side → the other side's (LIDs and numbers never share a key: the
    // server part differs); a mapping is kept both ways and forgotten both ways.
    private readonly CommittedMemory<string> _known = new(RememberedUsers, linked: other => other);

    /// <inheritdoc/>
    public async ValueTask StoreMappingAsync(Jid lid, Jid phoneNumber, CancellationToken cancellationToken = default)
    {
        if (!lid.IsLid || !phoneNumber.IsPhoneNumber)
        {
            throw new ArgumentException($"a mapping pairs a LID with a phone number, not {lid} with {phoneNumber}");
        }

        var lidUser = lid.WithoutDevice().ToString();
        var phoneUser = phoneNumber.WithoutDevice().ToString();
        if (_known.TryGet(lidUser, out var knownPhone) && knownPhone == phoneUser && _known.TryGet(phoneUser, out var knownLid) && knownLid == lidUser)
        {
            return;
        }

        // Until written, neither side is known: a failed or rolled-back write leaves the database to say.
        _known.Forget([lidUser, phoneUser]);
        var scope = await database.OpenAsync(transactional: true, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
        {
            foreach (var sql in (string[])[DeleteOlderSql, InsertSql])
            {
                await using var command = scope.Command(sql).With("@session", database.SessionId).With("@lid", lidUser).With("@phone", phoneUser);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await scope.CompleteAsync(cancellationToken).ConfigureAwait(false);
            if (scope.CommitsItself)
            {
                _known.Remember([(lidUser, phoneUser), (phoneUser, lidUser)]);
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask<Jid?> GetPhoneNumberAsync(Jid lid, CancellationToken cancellationToken = default) =>
        LookupAsync(PhoneByLidSql, "@lid", lid, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<Jid?> GetLidAsync(Jid phoneNumber, CancellationToken cancellationToken = default) =>
        LookupAsync(LidByPhoneSql, "@phone", phoneNumber, cancellationToken);

    /// <summary>Forgets every mapping read or written, after the session's rows were deleted behind this store.</summary>
    public void Forget() => _known.Clear();

    private async ValueTask<Jid?> LookupAsync(string sql, string parameter, Jid user, CancellationToken cancellationToken)
    {
        var key = user.WithoutDevice().ToString();
        if (_known.TryGet(key, out var known))
        {
            return known is null ? null : Jid.Parse(known);
        }

        var readStarted = _known.BeginRead();
        var scope = await database.OpenAsync(transactional: false, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
        {
            await using var command = scope.Command(sql).With("@session", database.SessionId).With(parameter, key);
            var found = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            if (scope.CommitsItself)
            {
                // Inside a unit of work the read may see rows that never commit.
                _known.RememberRead(readStarted, found is null ? [(key, null)] : [(key, found), (found, key)]);
            }

            return found is null ? null : Jid.Parse(found);
        }
    }
}

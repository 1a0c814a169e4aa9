using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Store;

namespace WaOrleans.Grains.Storage;

/// <summary>The <see cref="ILidStore"/> of one session: user JIDs (device parts dropped) as text.</summary>
internal sealed class SqlLidStore(SessionDatabase database) : ILidStore
{
    // A mapping replaces older mappings of either side, so each LID and each number maps once.
    private const string DeleteOlderSql = "DELETE FROM lid_mappings WHERE session_id = @session AND (lid_user = @lid OR phone_user = @phone)";

    private const string InsertSql = "INSERT INTO lid_mappings (session_id, lid_user, phone_user) VALUES (@session, @lid, @phone)";

    private const string PhoneByLidSql = "SELECT phone_user FROM lid_mappings WHERE session_id = @session AND lid_user = @lid";

    private const string LidByPhoneSql = "SELECT lid_user FROM lid_mappings WHERE session_id = @session AND phone_user = @phone";

    /// <inheritdoc/>
    public async ValueTask StoreMappingAsync(Jid lid, Jid phoneNumber, CancellationToken cancellationToken = default)
    {
        if (!lid.IsLid || !phoneNumber.IsPhoneNumber)
        {
            throw new ArgumentException($"a mapping pairs a LID with a phone number, not {lid} with {phoneNumber}");
        }

        var lidUser = lid.WithoutDevice().ToString();
        var phoneUser = phoneNumber.WithoutDevice().ToString();
        var scope = await database.OpenAsync(transactional: true, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
        {
            foreach (var sql in (string[])[DeleteOlderSql, InsertSql])
            {
                await using var command = scope.Command(sql).With("@session", database.SessionId).With("@lid", lidUser).With("@phone", phoneUser);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await scope.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public ValueTask<Jid?> GetPhoneNumberAsync(Jid lid, CancellationToken cancellationToken = default) =>
        LookupAsync(PhoneByLidSql, "@lid", lid, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<Jid?> GetLidAsync(Jid phoneNumber, CancellationToken cancellationToken = default) =>
        LookupAsync(LidByPhoneSql, "@phone", phoneNumber, cancellationToken);

    private async ValueTask<Jid?> LookupAsync(string sql, string parameter, Jid user, CancellationToken cancellationToken)
    {
        var scope = await database.OpenAsync(transactional: false, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
        {
            await using var command = scope.Command(sql).With("@session", database.SessionId).With(parameter, user.WithoutDevice().ToString());
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string found ? Jid.Parse(found) : null;
        }
    }
}

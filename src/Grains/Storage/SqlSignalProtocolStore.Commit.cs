using System.Data.Common;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.Stores;

namespace WaOrleans.Grains.Storage;

/// <summary>The unit of work of the Signal layer: one change set, one transaction.</summary>
public sealed partial class SqlSignalProtocolStore
{
    /// <inheritdoc/>
    /// <exception cref="SignalProtocolException">
    /// A one-time prekey the change set removes is gone: another operation consumed it first
    /// (<see cref="SignalErrorKind.InvalidPreKeyId"/>); nothing was written.
    /// </exception>
    public ValueTask CommitAsync(SignalChangeSet changes, CancellationToken cancellationToken = default) =>
        CommitAsync(changes, alongside: null, cancellationToken);

    /// <summary>
    /// Commits a change set and the caller's own statements in one transaction: <paramref name="alongside"/>
    /// runs on the transaction's connection after the Signal writes, before the commit. When it throws,
    /// nothing of either is written. Used by a send to store its message row with the Signal state that
    /// encrypted it (one commit instead of two).
    /// </summary>
    /// <exception cref="SignalProtocolException">As <see cref="CommitAsync(SignalChangeSet, CancellationToken)"/>.</exception>
    internal async ValueTask CommitAsync(SignalChangeSet changes, Func<DbConnection, DbTransaction, CancellationToken, Task>? alongside, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.IsEmpty && alongside is null)
        {
            return;
        }

        // Serialize before the transaction: a record that cannot be written fails with nothing begun.
        var sessions = changes.Sessions.Select(p => (Address: p.Key.ToString(), Bytes: p.Value.Serialize())).ToList();
        var senderKeys = changes.SenderKeys.Select(p => (p.Key.GroupId, Sender: p.Key.Sender.ToString(), Bytes: p.Value.Serialize())).ToList();
        var identities = changes.Identities.Select(p => (Address: p.Key.ToString(), Bytes: p.Value.PublicKeyBytes())).ToList();
        if (sessions.Count > 0)
        {
            _sessions.Forget(sessions.Select(s => s.Address));
        }

        if (identities.Count > 0)
        {
            _identities.Forget(identities.Select(i => i.Address));
        }

        var scope = await _database.OpenAsync(transactional: true, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
        {
            // Prekeys first: a lost race for one ends the commit before anything else is written.
            foreach (var id in changes.RemovedPreKeys)
            {
                await using var remove = Bind(scope, RemovePreKeySql).With("@id", (long)id.Value);
                if (await remove.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    throw new SignalProtocolException(SignalErrorKind.InvalidPreKeyId, $"prekey {id} of session {_database.SessionId} was consumed by another operation");
                }
            }

            foreach (var (address, identity) in changes.Identities)
            {
                await SaveIdentityAsync(scope, address, identity, cancellationToken).ConfigureAwait(false);
            }

            foreach (var (address, bytes) in sessions)
            {
                await using var store = Bind(scope, StoreSessionSql).With("@address", address).With("@record", bytes);
                await store.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            foreach (var (groupId, sender, bytes) in senderKeys)
            {
                await using var store = Bind(scope, StoreSenderKeySql).With("@group", groupId).With("@address", sender).With("@record", bytes);
                await store.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await CommitPendingInboundAsync(scope, changes, cancellationToken).ConfigureAwait(false);
            if (alongside is not null)
            {
                await alongside(scope.Connection, scope.Transaction!, cancellationToken).ConfigureAwait(false);
            }

            await scope.CompleteAsync(cancellationToken).ConfigureAwait(false);
            if (sessions.Count > 0 && scope.CommitsItself)
            {
                _sessions.Remember(sessions.Select(s => (s.Address, (byte[]?)s.Bytes)));
            }

            if (identities.Count > 0 && scope.CommitsItself)
            {
                _identities.Remember(identities.Select(i => (i.Address, (byte[]?)i.Bytes)));
            }
        }
    }

    private async ValueTask<IdentityChange> SaveIdentityAsync(DbScope scope, SignalAddress address, IdentityKey identity, CancellationToken cancellationToken)
    {
        byte[]? stored;
        await using (var load = Bind(scope, LoadIdentitySql).With("@address", address.ToString()))
        {
            stored = await load.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
        }

        await using (var save = Bind(scope, SaveIdentitySql).With("@address", address.ToString()).With("@record", identity.PublicKeyBytes()))
        {
            await save.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return stored is not null && !stored.AsSpan().SequenceEqual(identity.PublicKey)
            ? IdentityChange.ReplacedExisting
            : IdentityChange.NewOrUnchanged;
    }

    private DbCommand Bind(DbScope scope, string sql) => scope.Command(sql).With("@session", _database.SessionId);
}

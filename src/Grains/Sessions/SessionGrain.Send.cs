using System.Data.Common;
using System.Security.Cryptography;
using Google.Protobuf;
using WaOrleans.Grains.Events;
using WaOrleans.Grains.Messages;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Storage.Postgres;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Media;
using WaOrleans.Protocol.Noise;
using WaOrleans.Protocol.Proto;
using WaOrleans.Protocol.Signal.Stores;

namespace WaOrleans.Grains.Sessions;

/// <summary>
/// Sending (DESIGN.md durability rule 3): check, enforce the limits, persist as pending with the
/// id, then send; a replayed idempotency key returns the first result, or finishes a send a crash
/// interrupted with the same id (WhatsApp de-duplicates by id). A message built before its row
/// exists (all but media) is persisted in the transaction that commits the Signal state encrypting
/// it, just before the stanza leaves: one commit where there were two, and still nothing leaves
/// before both are durable.
/// </summary>
public sealed partial class SessionGrain
{
    /// <inheritdoc/>
    public async Task<SendMessageResult> SendAsync(SendMessageRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_exists || request.TenantScope is { } tenant && _status.TenantId != tenant)
        {
            throw new GatewayException(GatewayErrorKind.NotFound, "session_not_found", $"session '{SessionId}' does not exist");
        }

        var to = Recipients.Parse(request.To);
        var mentions = MessageComposer.Validate(request);
        if (request.IdempotencyKey is { Length: > SessionConstants.MaxIdempotencyKeyLength })
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "invalid_idempotency_key",
                $"an idempotency key is at most {SessionConstants.MaxIdempotencyKeyLength} characters", "idempotencyKey");
        }

        if (request.IdempotencyKey is { Length: > 0 } key && await _messages.FindByIdempotencyKeyAsync(SessionId, key, default) is { } first)
        {
            if (first.Record.Status != MessageWords.Pending)
            {
                return Result(first.Record, replayed: true);
            }

            // Persisted but never confirmed: the process died between the insert and the ack.
            // Sending again with the same id cannot make a second message.
            var connected = RequireConnected();
            return await DeliverAsync(connected, first, to, request, media: null, mentions, await ResolveReferencesAsync(request), replayed: true);
        }

        var client = RequireConnected();
        var references = await ResolveReferencesAsync(request);
        await EnsureOnWhatsAppAsync(client, to);
        var tenantLimit = await EnforceDailyLimitsAsync();
        // Fetched before the row exists: a URL that cannot be read is the caller's error, not a failed message.
        var media = MessageComposer.IsMedia(request.Content.Kind) ? await MediaFetcher.FetchAsync(request.Content.Media!, request.Content.Kind, _media.AllowPrivateUrls, default) : null;
        // A message without media is built now, one with media by DeliverAsync once it is uploaded.
        // Either way its row is stored with the very bytes that will leave, in the commit of the
        // Signal state that encrypts them.
        var content = media is null
            ? await MessageComposer.BuildAsync(client, request, to, null, references.Quoted, references.Target, PairedJid(client), mentions, default)
            : null;
        var now = DateTimeOffset.UtcNow;
        var record = new MessageRecord
        {
            SessionId = SessionId,
            MessageId = SessionConstants.MessageIdPrefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(SessionConstants.MessageIdRandomBytes)),
            Direction = MessageWords.Out,
            Chat = to.ToString(),
            Status = MessageWords.Pending,
            Type = MessageComposer.TypeWord(request.Content.Kind),
            Text = MessageComposer.LogText(request.Content),
            SenderJid = _status.MeJid is { } me && Jid.TryParse(me, out var meJid) ? meJid.WithoutDevice().ToString() : null,
            IsGroup = to.IsGroup,
            QuotedId = request.ReplyTo ?? (request.Content.Kind == MessageKind.Reaction ? request.Content.TargetMessageId : null),
            MimeType = media?.MimeType,
            MediaSize = media?.Data.Length,
            FileName = request.Content.Kind == MessageKind.Document ? media?.FileName ?? "file" : null,
            IdempotencyKey = string.IsNullOrEmpty(request.IdempotencyKey) ? null : request.IdempotencyKey,
            Timestamp = now,
            UpdatedAt = now,
        };
        GatewayMetrics.MessagesSent.Add(1, new KeyValuePair<string, object?>("type", record.Type));
        var row = new LoggedMessage(record, _tenantId, FromMe: true, Content: content?.ToByteArray(), Attempts: content is null ? 0 : 1);
        try
        {
            return await DeliverAsync(client, row, to, request, media, mentions, references, replayed: false, content, stored: false, tenantLimit);
        }
        catch (GatewayException e) when (e.Code == KeyTakenCode)
        {
            return await WinnerAsync(record);
        }
    }

    /// <summary>Answers a request whose idempotency key an earlier request won the insert with: the earlier one's result.</summary>
    private async Task<SendMessageResult> WinnerAsync(MessageRecord lost)
    {
        // Only the idempotency key can clash: the message id is new.
        var winner = await _messages.FindByIdempotencyKeyAsync(SessionId, lost.IdempotencyKey ?? "", default)
            ?? throw new InvalidOperationException($"message {lost.MessageId} could not be stored");
        return Result(winner.Record, replayed: true);
    }

    /// <summary>
    /// Builds (once: the content is stored before the first attempt leaves) and sends a message,
    /// trying again on transient failures. <paramref name="built"/> is content built before the row.
    /// When <paramref name="stored"/> is false the row does not exist yet: it is inserted in the
    /// transaction that commits the Signal state encrypting the message (<see cref="CommitWithRowAsync"/>),
    /// and a send that fails before that inserts it as failed.
    /// </summary>
    private async Task<SendMessageResult> DeliverAsync(WaClient client, LoggedMessage row, Jid to, SendMessageRequest request, FetchedMedia? media,
        IReadOnlyList<Jid> mentions, References references, bool replayed, Message? built = null, bool stored = true, long? tenantLimit = null)
    {
        var id = row.Record.MessageId;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var content = built ?? (row.Content is { } bytes ? Message.Parser.ParseFrom(bytes) : null);
        var write = new RowWrite(row, Insert: !stored, Content: null, TenantLimit: tenantLimit);
        string? failure = null;
        for (var attempt = 1; attempt <= SessionConstants.SendAttempts; attempt++)
        {
            try
            {
                if (content is null)
                {
                    media ??= MessageComposer.IsMedia(request.Content.Kind) ? await MediaFetcher.FetchAsync(request.Content.Media!, request.Content.Kind, _media.AllowPrivateUrls, default) : null;
                    content = await MessageComposer.BuildAsync(client, request, to, media, references.Quoted, references.Target, PairedJid(client), mentions, default);
                    // Stored with the Signal commit, before it leaves: a resend after a crash sends these very bytes (same media key, same upload).
                    var contentBytes = content.ToByteArray();
                    write = write.Insert ? write with { Row = write.Row with { Content = contentBytes, Attempts = 1 } } : write with { Content = contentBytes };
                }

                await PaceAsync();
                var sent = await client.SendMessageAsync(to, content, new SendOptions
                {
                    MessageId = id,
                    CommitSignalAsync = (signal, changes, cancellationToken) => CommitWithRowAsync(signal, changes, write, w => write = w, cancellationToken),
                });
                await CompleteAsync(row, MessageWords.Sent, null, GatewayEventTypes.MessageSent, insert: false);
                GatewayMetrics.SendDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("outcome", MessageWords.Sent));
                return Result(row.Record with { Status = MessageWords.Sent, UpdatedAt = sent.Timestamp }, replayed);
            }
            catch (Exception e) when (IsTransient(e) && attempt < SessionConstants.SendAttempts)
            {
                _logger.SendRetrying(SessionId, id, attempt, e.GetType().Name);
                await Task.Delay(SessionConstants.SendRetryDelay * (1 << (attempt - 1)));
            }
            catch (Exception e) when (e is not OutOfMemoryException && e is not GatewayException { Code: KeyTakenCode or DailyLimitCode })
            {
                failure = e switch
                {
                    NotOnWhatsAppException => "not_on_whatsapp: the recipient is not on WhatsApp",
                    SendException { Code: > 0 } refused => $"refused by WhatsApp with error {refused.Code}",
                    GatewayException gateway => $"{gateway.Code}: {gateway.Message}",
                    _ => e.Message,
                };
                _logger.SendFailed(SessionId, id, e.GetType().Name);
                break;
            }
        }

        failure ??= "the send did not complete";
        await CompleteAsync(row, MessageWords.Failed, failure, GatewayEventTypes.MessageFailed, insert: write.Insert);
        GatewayMetrics.SendDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("outcome", MessageWords.Failed));
        return Result(row.Record with { Status = MessageWords.Failed, Reason = failure }, replayed);
    }

    /// <summary>
    /// Commits a send's Signal changes and what the message row still needs (its insert, or its
    /// built content) in one transaction, before the stanza leaves; <paramref name="done"/> learns
    /// what is left once it committed. A lost race for the idempotency key rolls everything back
    /// and ends the send with <see cref="KeyTakenCode"/>: nothing was sent. Runs on the client's
    /// thread while the grain's turn awaits the send, so it reads only fields fixed for the activation.
    /// </summary>
    private async ValueTask CommitWithRowAsync(ISignalProtocolStore signal, SignalChangeSet changes, RowWrite write, Action<RowWrite> done, CancellationToken cancellationToken)
    {
        // The session's device store is SQL (SqlDeviceStore), so its Signal store shares the database.
        var sql = (SqlSignalProtocolStore)signal;
        if (!write.Insert && write.Content is null)
        {
            await sql.CommitAsync(changes, cancellationToken);
            return;
        }

        var now = DateTimeOffset.UtcNow;
        await sql.CommitAsync(changes, async (connection, transaction, token) =>
        {
            if (write.Insert && write.TenantLimit is { } limit)
            {
                await EnforceTenantLimitAsync(connection, transaction, limit, now, token);
            }

            if (write.Insert && !await MessageTable.InsertAsync(connection, transaction, write.Row, now, token))
            {
                throw new GatewayException(GatewayErrorKind.Conflict, KeyTakenCode, $"idempotency key {write.Row.Record.IdempotencyKey} was taken by another request");
            }

            if (write.Content is { } content)
            {
                await MessageTable.SaveAttemptAsync(connection, transaction, write.Row.Record.SessionId, write.Row.Record.MessageId, content, now, token);
            }
        }, cancellationToken);

        done(write with { Insert = false, Content = null });
    }

    /// <summary>
    /// Waits for this session's next send slot (<see cref="SessionLimits.MinSendInterval"/> after the
    /// previous one). The slot is taken before waiting, so sends that interleave queue up in order.
    /// </summary>
    private async Task PaceAsync()
    {
        var interval = _limits.MinSendInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        var now = DateTimeOffset.UtcNow;
        var slot = _nextSendSlot > now ? _nextSendSlot : now;
        _nextSendSlot = slot + interval;
        if (slot > now)
        {
            await Task.Delay(slot - now);
        }
    }

    /// <summary>Finds the logged messages a reply quotes and a reaction is for; a reply to a message the log lacks is the caller's mistake.</summary>
    private async Task<References> ResolveReferencesAsync(SendMessageRequest request)
    {
        LoggedMessage? quoted = null;
        if (request.ReplyTo is { Length: > 0 } replyTo)
        {
            quoted = await _messages.FindAsync(SessionId, replyTo, default)
                ?? throw new GatewayException(GatewayErrorKind.Invalid, "reply_target_not_found", $"message {replyTo} is not in this session's log", "replyTo");
        }

        // A reaction may be for a message from before the log; WhatsApp only needs its key.
        var target = request.Content.Kind == MessageKind.Reaction ? await _messages.FindAsync(SessionId, request.Content.TargetMessageId!, default) : null;
        return new References(quoted, target);
    }

    /// <summary>
    /// Records the outcome of a send and raises its event in one transaction, shared with other
    /// sessions' status changes arriving at the same time (<see cref="StatusWriter"/>); with
    /// <paramref name="insert"/> the row was never stored (the send failed before its Signal commit)
    /// and is inserted with the outcome.
    /// </summary>
    private async Task CompleteAsync(LoggedMessage row, string status, string? reason, string eventType, bool insert)
    {
        var now = DateTimeOffset.UtcNow;
        if (!insert)
        {
            await _statuses.AdvanceAsync(new StatusChange(_tenantId, SessionId, row.Record.MessageId, row.Record.Chat, status, reason, eventType, now));
            return;
        }

        var connection = await _storage.OpenConnectionAsync();
        await using (connection)
        {
            var transaction = await _storage.BeginTransactionAsync(connection);
            await using (transaction)
            {
                var changed = await MessageTable.InsertAsync(connection, transaction, row with { Record = row.Record with { Status = status, Reason = reason, UpdatedAt = now } }, now, default);
                // Not inserted: the row exists (a commit that reported an error may have stored it) and moves forward.
                changed = changed || await MessageTable.AdvanceAsync(connection, transaction, SessionId, row.Record.MessageId, status, reason, now, default);
                if (changed)
                {
                    await _outbox.PublishAsync(connection, transaction,
                        GatewayEvents.OutboundStatus(eventType, _tenantId, SessionId, row.Record.MessageId, row.Record.Chat, status, reason, now));
                }

                await transaction.CommitAsync();
            }
        }
    }

    /// <summary>Asks WhatsApp once per activation whether a number is registered (USync), so a typo fails fast and clearly.</summary>
    private async Task EnsureOnWhatsAppAsync(WaClient client, Jid to)
    {
        if (!to.IsPhoneNumber)
        {
            return;
        }

        var now = DateTimeOffset.UtcNow;
        if (!_onWhatsApp.TryGetValue(to.User, out var known) || (!known.Exists && now - known.At > SessionConstants.NotOnWhatsAppCacheTime))
        {
            try
            {
                var answer = await client.IsOnWhatsAppAsync([to.User]);
                RememberNumber(to.User, answer.Any(r => r.IsOnWhatsApp && r.Jid.User == to.User));
            }
            catch (Exception e) when (IsTransient(e) || e is IqException)
            {
                // No answer is no verdict: the send itself finds out (the client refuses users without devices).
                return;
            }
        }

        if (!_onWhatsApp[to.User].Exists)
        {
            throw new GatewayException(GatewayErrorKind.Unprocessable, "not_on_whatsapp", $"{to.User} is not on WhatsApp", "to");
        }
    }

    /// <summary>Caches a number check; the cache is bounded, and a "no" is asked again after a while (people install WhatsApp).</summary>
    private void RememberNumber(string digits, bool exists)
    {
        if (_onWhatsApp.Count >= SessionConstants.NumberCacheCapacity)
        {
            _onWhatsApp.Clear();
        }

        _onWhatsApp[digits] = (exists, DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// Refuses a send once the session's or the tenant's messages of the UTC day reach the limit;
    /// returns the tenant's limit, which the transaction storing the message checks again: this
    /// count runs before it, while other sessions of the tenant may be sending too.
    /// </summary>
    private async Task<long?> EnforceDailyLimitsAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var midnight = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var retryAfter = midnight.AddDays(1) - now;
        // Read for every send (both in one statement), so a limit the API changes applies at once.
        var limits = await _table.LoadDailyLimitsAsync(SessionId, default);
        _dailyLimit = limits?.Session;
        if ((_dailyLimit ?? _limits.DefaultSessionDailyLimit) is { } sessionLimit)
        {
            var used = await _messages.CountSentAsync(_tenantId, SessionId, midnight, default);
            if (used >= sessionLimit)
            {
                throw LimitReached("session", sessionLimit, used, retryAfter);
            }
        }

        if (limits?.Tenant is { } tenantLimit)
        {
            var used = await _messages.CountSentAsync(_tenantId, null, midnight, default);
            if (used >= tenantLimit)
            {
                throw LimitReached("tenant", tenantLimit, used, retryAfter);
            }
        }

        return limits?.Tenant;
    }

    /// <summary>
    /// Refuses, inside the transaction that stores a new message, a send that would pass the
    /// tenant's daily limit: the transactions of the tenant's sends check one after another
    /// (<see cref="MessageTable.CountTenantSentForLimitAsync"/>), so concurrent sends of several
    /// sessions cannot all slip under it. The refusal rolls the transaction back: nothing is stored
    /// or sent. Runs on the client's thread during a send: it reads only fields fixed for the activation.
    /// </summary>
    private async Task EnforceTenantLimitAsync(DbConnection connection, DbTransaction transaction, long limit, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var midnight = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var used = await MessageTable.CountTenantSentForLimitAsync(connection, transaction, _storage is PostgresStorage, _tenantId, midnight, cancellationToken);
        if (used >= limit)
        {
            throw LimitReached("tenant", limit, used, midnight.AddDays(1) - now);
        }
    }

    private static GatewayException LimitReached(string scope, long limit, long used, TimeSpan retryAfter) =>
        new(GatewayErrorKind.LimitExceeded, DailyLimitCode, $"the {scope}'s daily limit of {limit} messages is reached; it resets at midnight UTC")
        {
            Limit = limit,
            Used = used,
            RetryAfter = retryAfter,
        };

    private WaClient RequireConnected() =>
        _client is { State: WaConnectionState.Connected } client && !_fenced
            ? client
            : throw new GatewayException(GatewayErrorKind.Conflict, "session_not_connected", $"session {SessionId} is not connected ({SessionStateNames.ToApi(_status.State)})");

    private Jid PairedJid(WaClient client) =>
        client.Credentials?.Me ?? throw new GatewayException(GatewayErrorKind.Conflict, "session_not_connected", $"session {SessionId} is not paired");

    private void RequireExists()
    {
        if (!_exists)
        {
            throw new GatewayException(GatewayErrorKind.NotFound, "session_not_found", $"session {SessionId} does not exist");
        }
    }

    private static bool IsTransient(Exception e) => e is TransportException or TimeoutException or IOException or HttpRequestException
        or MediaException { Kind: MediaErrorKind.Transfer } or IqException { Code: >= 500 }
        or OperationCanceledException;

    private static SendMessageResult Result(MessageRecord record, bool replayed) => new()
    {
        MessageId = record.MessageId,
        Status = record.Status,
        Chat = record.Chat,
        Reason = record.Reason,
        Replayed = replayed,
        CreatedAt = record.Timestamp,
    };

    /// <summary>The <see cref="GatewayException.Code"/> that ends a send whose idempotency key another request stored first.</summary>
    private const string KeyTakenCode = "idempotency_key_taken";

    /// <summary>The <see cref="GatewayException.Code"/> of a send refused by a daily limit (429).</summary>
    private const string DailyLimitCode = "daily_limit_reached";

    /// <summary>What a send still has to write to its message row with the next Signal commit.</summary>
    /// <param name="Row">The row.</param>
    /// <param name="Insert">Whether the row is still to be inserted.</param>
    /// <param name="Content">Built content still to be stored (with one more attempt counted), or null.</param>
    /// <param name="TenantLimit">The tenant's daily limit the insert must stay within, if it has one.</param>
    private sealed record RowWrite(LoggedMessage Row, bool Insert, byte[]? Content, long? TenantLimit = null);

    /// <summary>The logged messages a send refers to.</summary>
    private sealed record References(LoggedMessage? Quoted, LoggedMessage? Target);
}

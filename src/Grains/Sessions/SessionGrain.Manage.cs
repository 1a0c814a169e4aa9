using WaOrleans.Grains.Messages;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Media;
using WaOrleans.Protocol.Proto;

namespace WaOrleans.Grains.Sessions;

/// <summary>The session's lifecycle in the API (create, rename, delete, restart) and what it can look up on WhatsApp.</summary>
public sealed partial class SessionGrain
{
    /// <summary>The most numbers one check may carry: one USync query, well under what WhatsApp Web sends at once.</summary>
    private const int MaxNumbersPerCheck = 500;

    /// <inheritdoc/>
    public async Task<SessionStatus> CreateAsync(CreateSessionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.TenantId))
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "tenant_required", "a session belongs to a tenant", "tenantId");
        }

        ValidateName(request.Name);
        if (_exists)
        {
            return _tenantId == request.TenantId
                ? CurrentStatus()
                : throw new GatewayException(GatewayErrorKind.Conflict, "session_exists", $"session id {SessionId} is taken", "id");
        }

        var tenant = await _table.LoadTenantAsync(request.TenantId, default)
            ?? throw new GatewayException(GatewayErrorKind.NotFound, "tenant_not_found", $"tenant {request.TenantId} does not exist", "tenantId");
        if (tenant.MaxSessions is { } max)
        {
            var used = await _table.CountAsync(request.TenantId, default);
            if (used >= max)
            {
                throw new GatewayException(GatewayErrorKind.LimitExceeded, "session_quota_reached", $"the tenant may have {max} sessions and has {used}")
                {
                    Limit = max,
                    Used = used,
                };
            }
        }

        await _table.CreateAsync(SessionId, request.TenantId, request.Name, default);
        var row = await _table.LoadAsync(SessionId, default) ?? throw new InvalidOperationException($"session {SessionId} vanished after its insert");
        if (row.TenantId != request.TenantId)
        {
            throw new GatewayException(GatewayErrorKind.Conflict, "session_exists", $"session id {SessionId} is taken", "id");
        }

        _exists = true;
        _tenantId = row.TenantId;
        _dailyLimit = row.DailyLimit;
        _status = _status with { TenantId = row.TenantId, Name = row.Name, CreatedAt = row.CreatedAt };
        return CurrentStatus();
    }

    /// <inheritdoc/>
    public Task<SessionStatus?> FindAsync() => Task.FromResult(_exists ? CurrentStatus() : null);

    /// <inheritdoc/>
    public async Task<SessionStatus> UpdateAsync(SessionPatch patch)
    {
        ArgumentNullException.ThrowIfNull(patch);
        RequireExists();
        if (patch.Name is { } name)
        {
            ValidateName(name);
            await _table.UpdateNameAsync(SessionId, name, default);
            _status = _status with { Name = name };
        }

        return CurrentStatus();
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Everything of the session goes: credentials, Signal state, the status row and the message
    /// log (users expect a deleted session to leave nothing behind). Its events stay in the outbox
    /// so webhook deliveries already owed still go out.
    /// </remarks>
    public async Task DeleteAsync()
    {
        RequireExists();
        await GoOfflineAsync(SessionState.LoggedOut, "deleted by the API");
        await _store.WipeAsync();
        await _messages.DeleteSessionAsync(SessionId, default);
        await _table.DeleteAsync(SessionId, default);
        _exists = false;
        _holdsEpoch = false;
        _onWhatsApp.Clear();
        _status = new SessionStatus { SessionId = SessionId, State = SessionState.Created };
        _tenantId = SessionConstants.DefaultTenant;
        _logger.Deleted(SessionId);
        DeactivateOnIdle();
    }

    /// <inheritdoc/>
    public async Task<SessionStatus> RestartAsync()
    {
        RequireExists();
        await CloseClientAsync();
        _replaced = false;
        _fenced = false;
        var before = _status.State;
        _status = _status with { State = SessionState.Connecting, Reason = null, Qr = null, PairingCode = null };
        await SaveStatusAsync();
        await RaiseStatusEventsAsync(before);
        await GoOnlineAsync(default);
        return CurrentStatus();
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<NumberCheck>> CheckNumbersAsync(IReadOnlyList<string> phones)
    {
        ArgumentNullException.ThrowIfNull(phones);
        if (phones.Count is 0 or > MaxNumbersPerCheck)
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "invalid_phones", $"give 1 to {MaxNumbersPerCheck} phone numbers", "phones");
        }

        var digits = phones.Select(p => Recipients.Digits(p ?? "")
            ?? throw new GatewayException(GatewayErrorKind.Invalid, "invalid_phone", $"'{p}' is not a phone number in international digits", "phones")).ToList();
        var client = RequireConnected();
        IReadOnlyList<OnWhatsAppResult> answers;
        try
        {
            answers = await client.IsOnWhatsAppAsync(digits);
        }
        catch (Exception e) when (IsTransient(e) || e is IqException)
        {
            throw new GatewayException(GatewayErrorKind.Unavailable, "whatsapp_unavailable", $"WhatsApp did not answer the number check: {e.Message}");
        }

        return [.. digits.Select(d =>
        {
            var answer = answers.FirstOrDefault(a => a.Phone == d || a.Jid.User == d);
            var exists = answer?.IsOnWhatsApp == true;
            RememberNumber(d, exists);
            return new NumberCheck { Phone = d, Exists = exists, Jid = exists ? answer!.Jid.ToString() : null, Lid = exists ? answer!.Lid?.ToString() : null };
        })];
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<GroupInfo>> GetGroupsAsync()
    {
        var client = RequireConnected();
        return [.. (await client.GetGroupsAsync()).Select(ToGroupInfo)];
    }

    /// <inheritdoc/>
    public async Task<GroupInfo> GetGroupAsync(string groupJid)
    {
        if (!Jid.TryParse(groupJid, out var jid) || !jid.IsGroup)
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "invalid_group", $"'{groupJid}' is not a group JID (…@g.us)", "jid");
        }

        var client = RequireConnected();
        try
        {
            return ToGroupInfo(await client.GetGroupMetadataAsync(jid));
        }
        catch (IqException e) when (e.Code is 401 or 403 or 404)
        {
            throw new GatewayException(GatewayErrorKind.NotFound, "group_not_found", $"{groupJid} is not a group this number belongs to", "jid");
        }
    }

    /// <inheritdoc/>
    public Task<SessionProfile> GetProfileAsync()
    {
        RequireExists();
        if (_client?.Credentials is { IsPaired: true } && _client.GetProfile() is { } profile)
        {
            return Task.FromResult(new SessionProfile
            {
                Jid = profile.Jid.ToString(),
                Phone = profile.Jid.User,
                Lid = profile.Lid?.WithoutDevice().ToString(),
                PushName = profile.PushName,
                Platform = profile.Platform,
            });
        }

        return _status.MeJid is { } me && Jid.TryParse(me, out var jid)
            ? Task.FromResult(new SessionProfile { Jid = me, Phone = jid.User, Lid = _status.MeLid })
            : throw new GatewayException(GatewayErrorKind.Conflict, "session_not_paired", $"session {SessionId} is not linked to a number yet");
    }

    /// <inheritdoc/>
    public async Task<MediaContent> DownloadMediaAsync(string messageId)
    {
        RequireExists();
        var row = await _messages.FindAsync(SessionId, messageId, default)
            ?? throw new GatewayException(GatewayErrorKind.NotFound, "message_not_found", $"message {messageId} is not in this session's log", "messageId");
        if (row.Content is not { } bytes || row.Record.MimeType is not { } mime || MediaReference.From(Message.Parser.ParseFrom(bytes)) is null)
        {
            throw new GatewayException(GatewayErrorKind.NotFound, "no_media", $"message {messageId} has no media", "messageId");
        }

        var client = RequireConnected();
        try
        {
            var stream = await client.DownloadMediaAsync(Message.Parser.ParseFrom(bytes));
            await using (stream)
            {
                using var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer);
                return new MediaContent { Data = buffer.ToArray(), MimeType = mime, FileName = row.Record.FileName };
            }
        }
        catch (MediaException e) when (e.Kind == MediaErrorKind.Transfer)
        {
            throw new GatewayException(GatewayErrorKind.Unavailable, "media_unavailable", $"the media of {messageId} could not be fetched: {e.Message}");
        }
        catch (MediaException e)
        {
            throw new GatewayException(GatewayErrorKind.Unprocessable, "media_invalid", $"the media of {messageId} failed verification: {e.Message}");
        }
    }

    private static GroupInfo ToGroupInfo(GroupMetadata group) => new()
    {
        Jid = group.Jid.ToString(),
        Subject = group.Subject,
        Owner = group.Creator?.ToString(),
        CreatedAt = group.Created,
        Participants = [.. group.Participants.Select(p => new GroupParticipantInfo
        {
            Jid = p.Jid.ToString(),
            PhoneJid = p.PhoneNumber?.ToString(),
            Role = p.IsSuperAdmin ? "superadmin" : p.IsAdmin ? "admin" : null,
        })],
    };

    private static void ValidateName(string? name)
    {
        if (name is { Length: > SessionConstants.MaxNameLength })
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "invalid_name", $"a name is at most {SessionConstants.MaxNameLength} characters", "name");
        }
    }
}

using WaOrleans.Grains.Events;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Events;

namespace WaOrleans.Grains.Sessions;

/// <summary>The client's events as session statuses, and the fencing check.</summary>
public sealed partial class SessionGrain
{
    /// <summary>Runs on the client's thread: only queues, never touches grain state, never blocks the client.</summary>
    private void QueueEvent(WaEvent e) => _events.Writer.TryWrite(e);

    /// <summary>Applies queued events one at a time on the grain's scheduler until deactivation.</summary>
    private async Task ApplyEventsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var e in _events.Reader.ReadAllAsync(cancellationToken))
            {
                await ApplyAsync(e);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Deactivation: the client is closed and its remaining events no longer matter.
        }
    }

    private async Task ApplyAsync(WaEvent e)
    {
        var before = _status;
        switch (e)
        {
            case StateChangedEvent changed when Map(changed.Current) is { } mapped:
                // "qr" and "pairing_code" promise something to show: until the client raises its
                // first code the session is still connecting, so a caller who saw the state finds the code.
                var state = (mapped, _status) is (SessionState.Qr, { Qr: null }) or (SessionState.PairingCode, { PairingCode: null }) ? SessionState.Connecting : mapped;
                _status = _status with
                {
                    State = state,
                    Reason = changed.Current == WaConnectionState.Replaced ? "replaced by another connection (440)" : null,
                    Qr = state == SessionState.Qr ? _status.Qr : null,
                    PairingCode = state == SessionState.PairingCode ? _status.PairingCode : null,
                };
                if (changed.Current == WaConnectionState.Replaced)
                {
                    // DESIGN.md: 440 means another connection took over; stop, do not fight.
                    _replaced = true;
                    ScheduleReplacedCheck();
                }

                break;
            case QrCodeEvent qr:
                _status = _status with { State = SessionState.Qr, Qr = qr.Code };
                // For the user's webhook and event stream only: the QR string is never logged.
                await RaiseAsync(GatewayEventTypes.SessionQr, new { qr = qr.Code });
                break;
            case PairingCodeEvent code:
                _status = _status with { State = SessionState.PairingCode, PairingCode = code.Code };
                break;
            case ConnectedEvent:
                var credentials = _client?.Credentials;
                _status = _status with
                {
                    State = SessionState.Connected,
                    Reason = null,
                    Qr = null,
                    PairingCode = null,
                    MeJid = credentials?.Me?.ToString() ?? _status.MeJid,
                    MeLid = credentials?.MeLid?.ToString() ?? _status.MeLid,
                };
                break;
            case LoggedOutEvent loggedOut:
                _shouldBeOnline = false;
                _status = _status with { State = SessionState.LoggedOut, Reason = loggedOut.Reason, MeJid = null, MeLid = null };
                await UnregisterWatchdogAsync();
                break;
            case ConnectFailureEvent failure:
                _shouldBeOnline = false;
                _status = _status with { State = SessionState.Failed, Reason = $"{failure.Code} {failure.Reason}" };
                await UnregisterWatchdogAsync();
                break;
            case DisconnectedEvent { WillReconnect: false } when _client is { } client && client.Credentials?.IsPaired != true:
                // The QR codes ran out: reconnecting would show new ones to nobody.
                _shouldBeOnline = false;
                _status = _status with { State = SessionState.Disconnected, Reason = "QR codes expired", Qr = null };
                await UnregisterWatchdogAsync();
                break;
            default:
                return;
        }

        if (_status.State != before.State || _status.Reason != before.Reason || _status.MeJid != before.MeJid)
        {
            _logger.StatusChanged(SessionId, _status.State, _status.Reason);
            await SaveStatusAsync();
            await RaiseStatusEventsAsync(before.State);
        }
    }

    /// <summary>Raises <c>session.status</c> for any change, and the specific event of the state entered.</summary>
    private async Task RaiseStatusEventsAsync(SessionState before)
    {
        var data = new { status = SessionStateNames.ToApi(_status.State), previous = SessionStateNames.ToApi(before), reason = _status.Reason, meJid = _status.MeJid };
        await RaiseAsync(GatewayEventTypes.SessionStatus, data);
        if (_status.State == before)
        {
            return;
        }

        var specific = _status.State switch
        {
            SessionState.Connected => GatewayEventTypes.SessionConnected,
            SessionState.Disconnected => GatewayEventTypes.SessionDisconnected,
            SessionState.LoggedOut => GatewayEventTypes.SessionLoggedOut,
            _ => null,
        };
        if (specific is not null)
        {
            await RaiseAsync(specific, data);
        }
    }

    /// <summary>Stores a session event; a failure is logged, never thrown, so the status loop goes on.</summary>
    private async Task RaiseAsync(string type, object data)
    {
        if (_fenced)
        {
            return;
        }

        try
        {
            await _outbox.PublishAsync(GatewayEvents.Create(GatewayEvents.NewId(), type, _tenantId, SessionId, DateTimeOffset.UtcNow, data));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.EventFailed(e, SessionId, type);
        }
    }

    private static SessionState? Map(WaConnectionState state) => state switch
    {
        WaConnectionState.Connecting or WaConnectionState.LoggingIn => SessionState.Connecting,
        WaConnectionState.AwaitingQr => SessionState.Qr,
        WaConnectionState.AwaitingPairingCode => SessionState.PairingCode,
        WaConnectionState.Connected => SessionState.Connected,
        WaConnectionState.Reconnecting or WaConnectionState.Disconnected or WaConnectionState.Replaced => SessionState.Disconnected,
        // The events that follow these carry the reason.
        WaConnectionState.LoggedOut or WaConnectionState.Failed => null,
        _ => null,
    };

    /// <summary>Writes the status under this activation's epoch; a refused write means a newer activation took over.</summary>
    private async Task SaveStatusAsync()
    {
        if (_fenced)
        {
            return;
        }

        if (!_exists)
        {
            await _table.CreateAsync(SessionId, _tenantId, _status.Name, default);
            _exists = true;
        }

        if (!await _table.SaveStatusAsync(SessionId, _epoch, _status, _shouldBeOnline, default))
        {
            await FenceAsync(await _table.ReadEpochAsync(SessionId, default));
        }
    }

    private async Task CheckFenceAsync(CancellationToken cancellationToken)
    {
        if (_holdsEpoch && !_fenced)
        {
            await StillOwnsEpochAsync();
        }
    }

    /// <summary>Re-reads the epoch; when a newer activation took it, closes this one.</summary>
    private async Task<bool> StillOwnsEpochAsync()
    {
        var current = await _table.ReadEpochAsync(SessionId, default);
        if (current == _epoch)
        {
            return true;
        }

        await FenceAsync(current);
        return false;
    }

    /// <summary>
    /// After a 440, looks again once a fencing period has passed (ORLEANS.md §2.4: re-check
    /// ownership, never reconnect blindly). The other connection was either a newer activation,
    /// whose epoch this one then sees and is fenced by, or a superseded one (a silo that was
    /// frozen and resumed) that its own fencing check has closed meanwhile: then this activation
    /// still holds the newest epoch and takes the device back, instead of leaving the session
    /// offline. A few times per activation at most, so two installations sharing one device's
    /// credentials cannot fight forever.
    /// </summary>
    private void ScheduleReplacedCheck()
    {
        if (_replacedTimer is not null || _fenced || _replacedReclaims >= SessionConstants.MaxReplacedReclaims)
        {
            return;
        }

        _replacedTimer = this.RegisterGrainTimer(
            CheckReplacedAsync,
            new GrainTimerCreationOptions { DueTime = SessionConstants.ReplacedRecheckDelay, Period = Timeout.InfiniteTimeSpan, Interleave = false, KeepAlive = false });
    }

    private async Task CheckReplacedAsync(CancellationToken cancellationToken)
    {
        // One shot: disposing the timer cancels the token it passed in, so the work below must not use it.
        _ = cancellationToken;
        _replacedTimer?.Dispose();
        _replacedTimer = null;
        if (!_replaced || _fenced || !_shouldBeOnline || !await StillOwnsEpochAsync())
        {
            return;
        }

        _replacedReclaims++;
        _replaced = false;
        _logger.ReclaimingAfterReplaced(SessionId, _epoch, _replacedReclaims);
        await GoOnlineAsync(default);
    }

    /// <summary>Closes the socket without reconnecting and lets this superseded activation go.</summary>
    private async Task FenceAsync(long current)
    {
        if (_fenced)
        {
            return;
        }

        _fenced = true;
        _logger.Fenced(SessionId, _epoch, current);
        await CloseClientAsync();
        DelayDeactivation(TimeSpan.Zero);
        DeactivateOnIdle();
    }
}

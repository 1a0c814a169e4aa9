using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WaOrleans.Grains.Events;
using WaOrleans.Grains.Hosting;
using WaOrleans.Grains.Messages;
using WaOrleans.Grains.Storage;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Events;

namespace WaOrleans.Grains.Sessions;

/// <summary>
/// One linked device: owns its <see cref="WaClient"/> and <see cref="SqlDeviceStore"/>, mirrors the
/// client's events as the session status, keeps itself online (no idle collection, a watchdog
/// reminder) and fences older activations by epoch.
/// </summary>
/// <remarks>
/// Non-reentrant (STYLE.md 13): a send and a status change never interleave except at awaits. The
/// client raises events on its own threads: inbound messages and receipts are committed there by an
/// <see cref="InboundRecorder"/> before the client acks them; the rest is queued for a loop running
/// on the grain's scheduler.
/// </remarks>
// ORLEANS.md §3: the default placement herded a burst of new sessions onto one silo.
[Orleans.Placement.RandomPlacement]
public sealed partial class SessionGrain : Grain, ISessionGrain, IRemindable
{
    private readonly DeviceStorage _storage;
    private readonly WaClientOptions _clientOptions;
    private readonly SessionLimits _limits;
    private readonly MediaOptions _media;
    private DateTimeOffset _nextSendSlot;
    private readonly EventOutbox _outbox;
    private readonly StatusWriter _statuses;
    private readonly MessageTable _messages;
    private readonly ILogger _logger;
    private readonly Dictionary<string, (bool Exists, DateTimeOffset At)> _onWhatsApp = new(StringComparer.Ordinal);
    private readonly Channel<WaEvent> _events = Channel.CreateUnbounded<WaEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _deactivating = new();
    private SessionTable _table = null!;
    private SqlDeviceStore _store = null!;
    private WaClient? _client;
    private IDisposable? _subscription;
    private IGrainTimer? _fenceTimer;
    private IGrainTimer? _replacedTimer;
    private int _replacedReclaims;
    private Task _eventLoop = Task.CompletedTask;
    private SessionStatus _status = null!;
    private string _tenantId = SessionConstants.DefaultTenant;
    private long? _dailyLimit;
    private bool _exists;
    private bool _shouldBeOnline;
    private bool _holdsEpoch;
    private bool _fenced;
    private bool _replaced;
    private long _epoch;

    /// <summary>Creates the grain with the shared storage, the client options and the limits of this silo.</summary>
    public SessionGrain(DeviceStorage storage, WaClientOptions clientOptions, SessionLimits limits, IOptions<MediaOptions> media, EventOutbox outbox, StatusWriter statuses,
        ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _storage = storage;
        _clientOptions = clientOptions with { Logger = loggerFactory.CreateLogger<WaClient>() };
        _limits = limits;
        _media = media.Value;
        _outbox = outbox;
        _statuses = statuses;
        _messages = new MessageTable(storage);
        _logger = loggerFactory.CreateLogger<SessionGrain>();
    }

    private string SessionId => this.GetPrimaryKeyString();

    /// <inheritdoc/>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _table = new SessionTable(_storage, TimeProvider.System);
        _store = _storage.ForSession(SessionId);
        SessionRow? row;
        try
        {
            row = await _table.LoadAsync(SessionId, cancellationToken);
        }
        catch (Exception e) when (StorageErrorFilter.FromDatabase(e) is not null)
        {
            // An activation failure does not pass the call filter: say it the same way here.
            _logger.ActivationStorageFailed(e, SessionId, e.GetType().Name);
            throw StorageErrorFilter.Unavailable();
        }

        _eventLoop = ApplyEventsAsync(_deactivating.Token);
        _exists = row is not null;
        _status = row?.ToStatus(SessionId) ?? new SessionStatus { SessionId = SessionId, State = SessionState.Created };
        _tenantId = _status.TenantId;
        _dailyLimit = row?.DailyLimit;
        _epoch = row?.Epoch ?? 0;
        _shouldBeOnline = row?.ShouldBeOnline ?? false;
        if (_shouldBeOnline)
        {
            await GoOnlineAsync(cancellationToken);
        }
    }

    /// <inheritdoc/>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (reason.ReasonCode == DeactivationReasonCode.ShuttingDown && _shouldBeOnline && !_fenced && !_replaced)
        {
            ServiceProvider.GetService<SessionHandover>()?.Leaving(SessionId);
        }

        await _deactivating.CancelAsync();
        await CloseClientAsync();
        await _eventLoop.WaitAsync(cancellationToken);
        _deactivating.Dispose();
    }

    /// <inheritdoc/>
    public Task<string> GetSiloAsync() => Task.FromResult(RuntimeIdentity);

    /// <inheritdoc/>
    public async Task<SessionStatus> CreateAsync() =>
        _exists ? CurrentStatus() : await CreateAsync(new CreateSessionRequest());

    /// <inheritdoc/>
    public async Task<SessionStatus> ConnectAsync(ConnectRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Method == ConnectMethod.PairingCode && (request.Phone is null || Recipients.Digits(request.Phone) is null))
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "invalid_phone", "a pairing code needs the phone number in international digits", "phoneNumber");
        }

        await CreateAsync();
        _replaced = false;
        _fenced = false;
        await GoOnlineAsync(default);
        if (request.Method == ConnectMethod.PairingCode && _client is { } client && await WaitForUnpairedConnectionAsync(client))
        {
            var code = await client.RequestPairingCodeAsync(Recipients.Digits(request.Phone!)!);
            var before = _status.State;
            _status = _status with { State = SessionState.PairingCode, PairingCode = code, Reason = null };
            await SaveStatusAsync();
            await RaiseStatusEventsAsync(before);
        }

        return CurrentStatus();
    }

    /// <inheritdoc/>
    public Task<SessionStatus> GetStatusAsync() => Task.FromResult(CurrentStatus());

    /// <inheritdoc/>
    public async Task<SessionStatus> DisconnectAsync()
    {
        await GoOfflineAsync(SessionState.Disconnected, "disconnected by the API");
        return CurrentStatus();
    }

    /// <inheritdoc/>
    public async Task<SessionStatus> LogoutAsync()
    {
        await GoOfflineAsync(SessionState.LoggedOut, "logged out by the API");
        await _store.WipeAsync();
        _status = _status with { MeJid = null, MeLid = null };
        await SaveStatusAsync();
        return CurrentStatus();
    }

    /// <inheritdoc/>
    public async Task<SendTextResult> SendTextAsync(SendTextRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = await SendAsync(new SendMessageRequest
        {
            To = request.To,
            Content = new MessageContent { Kind = MessageKind.Text, Text = request.Text },
            IdempotencyKey = request.IdempotencyKey,
        });
        return new SendTextResult { MessageId = result.MessageId, Status = result.Status, Reason = result.Reason, Replayed = result.Replayed };
    }

    /// <inheritdoc/>
    public async Task EnsureOnlineAsync()
    {
        if (_shouldBeOnline && !_fenced && !_replaced)
        {
            await GoOnlineAsync(default);
        }
    }

    /// <inheritdoc/>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (_shouldBeOnline)
        {
            await EnsureOnlineAsync();
        }
        else
        {
            await UnregisterWatchdogAsync();
        }
    }

    private SessionStatus CurrentStatus() => _status;

    /// <summary>Takes the next epoch (once per activation), pins the activation and starts the client.</summary>
    private async Task GoOnlineAsync(CancellationToken cancellationToken)
    {
        if (!_holdsEpoch)
        {
            _epoch = await _table.TakeEpochAsync(SessionId, cancellationToken);
            _holdsEpoch = true;
            _logger.GoingOnline(SessionId, _epoch);
        }

        _shouldBeOnline = true;
        // Outbound socket traffic is not grain activity (ORLEANS.md §3): without this, a quiet
        // connected session would be collected after CollectionAge.
        DelayDeactivation(Timeout.InfiniteTimeSpan);
        await this.RegisterOrUpdateReminder(SessionConstants.WatchdogReminder, SessionConstants.WatchdogPeriod, SessionConstants.WatchdogPeriod);
        _fenceTimer ??= this.RegisterGrainTimer(
            CheckFenceAsync,
            new GrainTimerCreationOptions { DueTime = SessionConstants.FencingCheckPeriod, Period = SessionConstants.FencingCheckPeriod, Interleave = false, KeepAlive = false });
        if (_client is null)
        {
            var client = new WaClient(_store, _clientOptions);
            // Built with what is fixed for the activation: the recorder runs on the client's thread.
            var recorder = new InboundRecorder(_storage, _outbox, _statuses, client, _store.Lids, SessionId, _tenantId, TimeProvider.System, _logger);
            _client = client;
            client.CommitReceivedAsync = recorder.CommitReceivedAsync;
            _subscription = client.AddEventHandler(async (e, cancellationToken) =>
            {
                if (!await recorder.TryRecordAsync(e, cancellationToken))
                {
                    QueueEvent(e);
                }
            });
        }

        if (_client.State is WaConnectionState.Disconnected or WaConnectionState.LoggedOut or WaConnectionState.Failed or WaConnectionState.Replaced)
        {
            if (_status.State is not (SessionState.Connecting or SessionState.Connected))
            {
                var before = _status.State;
                _status = _status with { State = SessionState.Connecting, Reason = null, Qr = null, PairingCode = null };
                await SaveStatusAsync();
                await RaiseStatusEventsAsync(before);
            }

            await _client.StartAsync(cancellationToken);
        }
    }

    /// <summary>Stops the client and marks the session as one that stays offline.</summary>
    private async Task GoOfflineAsync(SessionState state, string reason)
    {
        _shouldBeOnline = false;
        await CloseClientAsync();
        var before = _status.State;
        _status = _status with { State = state, Reason = reason, Qr = null, PairingCode = null };
        await SaveStatusAsync();
        await RaiseStatusEventsAsync(before);
        await UnregisterWatchdogAsync();
    }

    private async Task CloseClientAsync()
    {
        _fenceTimer?.Dispose();
        _fenceTimer = null;
        _subscription?.Dispose();
        _subscription = null;
        if (_client is { } client)
        {
            _client = null;
            await client.DisposeAsync();
        }
    }

    private async Task UnregisterWatchdogAsync()
    {
        DelayDeactivation(TimeSpan.Zero);
        if (await this.GetReminder(SessionConstants.WatchdogReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    /// <summary>Waits until the client is connected and unpaired (true), or paired already (false).</summary>
    private static async Task<bool> WaitForUnpairedConnectionAsync(WaClient client)
    {
        using var timeout = new CancellationTokenSource(SessionConstants.PairingReadyTimeout);
        while (client.State is WaConnectionState.Connecting or WaConnectionState.Disconnected or WaConnectionState.Reconnecting)
        {
            await Task.Delay(SessionConstants.PairingReadyPoll, timeout.Token);
        }

        return client.State is WaConnectionState.AwaitingQr;
    }
}

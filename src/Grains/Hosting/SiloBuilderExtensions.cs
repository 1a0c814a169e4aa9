using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WaOrleans.Grains.Broadcasts;
using WaOrleans.Grains.Events;
using WaOrleans.Grains.Messages;
using WaOrleans.Grains.Sessions;
using WaOrleans.Grains.Storage;
using WaOrleans.Grains.Webhooks;
using WaOrleans.Protocol.Client;

namespace WaOrleans.Grains.Hosting;

/// <summary>Registers the gateway's grains and their services on a silo.</summary>
public static class SiloBuilderExtensions
{
    /// <summary>
    /// Adds the session grains: they keep their devices in <paramref name="storage"/> (which the
    /// caller opened and disposes) and connect with <paramref name="clientOptions"/>. Sessions that
    /// should be online are brought back when the silo starts and, on survivors, as soon as another
    /// silo is declared dead. The caller chooses the reminder
    /// service (every session registers a watchdog reminder). Webhooks come with them
    /// (<see cref="AddWaWebhooks"/>).
    /// </summary>
    public static ISiloBuilder AddWaSessions(this ISiloBuilder silo, DeviceStorage storage, WaClientOptions clientOptions) =>
        AddWaSessions(silo, storage, clientOptions, new SessionLimits());

    /// <summary>
    /// Adds the session grains as <see cref="AddWaSessions(ISiloBuilder, DeviceStorage, WaClientOptions)"/>
    /// does, with the daily limits that apply where neither a session nor its tenant sets one.
    /// Broadcast jobs left running by a stopped silo are resumed when a silo starts. A database
    /// failure in any grain call reaches the caller as <see cref="GatewayException"/>
    /// <c>storage_unavailable</c> (<see cref="GatewayErrorKind.Unavailable"/>, HTTP 503). The media
    /// URL policy is the <see cref="MediaOptions"/> configured with <c>Services.Configure&lt;MediaOptions&gt;</c>
    /// (the silo binds <see cref="MediaOptions.Section"/>); the default refuses private URLs. Old
    /// events and webhook deliveries are deleted as <see cref="RetentionOptions"/> says.
    /// </summary>
    public static ISiloBuilder AddWaSessions(this ISiloBuilder silo, DeviceStorage storage, WaClientOptions clientOptions, SessionLimits limits)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(clientOptions);
        ArgumentNullException.ThrowIfNull(limits);
        silo.Services.AddSingleton(storage);
        silo.Services.AddSingleton(clientOptions);
        silo.Services.AddSingleton(limits);
        silo.Services.AddOptions<MediaOptions>();
        silo.AddIncomingGrainCallFilter<StorageErrorFilter>();
        silo.AddWaWebhooks();
        silo.Services.AddSingleton<SessionResumer>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SessionResumer>());
        silo.Services.AddSingleton<BroadcastResumer>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<BroadcastResumer>());
        silo.Services.AddSingleton<SessionFailoverSupervisor>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SessionFailoverSupervisor>());
        silo.Services.AddOptions<RetentionOptions>();
        silo.Services.AddSingleton<RetentionSweeper>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<RetentionSweeper>());
        silo.Services.AddSingleton<SessionHandover>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SessionHandover>());
        return silo;
    }

    /// <summary>
    /// Adds the event outbox, the webhook registry and this silo's delivery worker, on the
    /// <see cref="DeviceStorage"/> registered in the services. The policy and timings are the
    /// <see cref="WebhookOptions"/> configured with <c>Services.Configure&lt;WebhookOptions&gt;</c>
    /// (the silo binds <see cref="WebhookOptions.Section"/>); the defaults refuse private targets.
    /// </summary>
    public static ISiloBuilder AddWaWebhooks(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddOptions<WebhookOptions>();
        silo.Services.TryAddSingleton<WebhookDispatchSignal>();
        silo.Services.TryAddSingleton(sp => new EventOutbox(sp.GetRequiredService<DeviceStorage>(), sp.GetRequiredService<WebhookDispatchSignal>()));
        silo.Services.TryAddSingleton(sp => new StatusWriter(sp.GetRequiredService<DeviceStorage>(), sp.GetRequiredService<EventOutbox>()));
        silo.Services.TryAddSingleton<WebhookDeliveryWorker>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<WebhookDeliveryWorker>());
        return silo;
    }
}

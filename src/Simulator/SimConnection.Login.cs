using WaOrleans.Protocol.Binary;

namespace WaOrleans.Simulator;

/// <summary>Login of a paired device: key check, success, offline flush (PROTOCOL.md §4.5, §10.2 step 3).</summary>
internal sealed partial class SimConnection
{
    /// <summary>The failure reason for an unknown device or a Noise key that does not match the registered one.</summary>
    private const string LoggedOutReason = "401";

    private async Task<bool> LoginAsync(CancellationToken cancellationToken)
    {
        if (!_payload.HasUsername || !_payload.HasDevice || _payload.Device > ushort.MaxValue)
        {
            await CloseWithAsync(Stanza.Make("failure", default, ("reason", "400"))).ConfigureAwait(false);
            return false;
        }

        var phone = Stanza.Number((long)_payload.Username);
        SimDevice? device;
        SimConnection? replaced = null;
        lock (_server.State.Sync)
        {
            device = _server.State.FindAccount(phone)?.FindCompanion((ushort)_payload.Device);
            if (device is not null && device.NoiseKey.AsSpan().SequenceEqual(_noiseKey))
            {
                replaced = device.Connection;
                device.Connection = this;
                Device = device;
            }
        }

        if (Device is null)
        {
            LogMessages.LoginRefused(_server.Logger, phone, _payload.Device);
            await CloseWithAsync(Stanza.Make("failure", default, ("reason", LoggedOutReason))).ConfigureAwait(false);
            return false;
        }

        if (replaced is not null)
        {
            // WhatsApp keeps one connection per device: the older one learns it was replaced (440).
            await replaced.CloseWithAsync(Stanza.StreamError(SimConstants.StreamReplaced)).ConfigureAwait(false);
        }

        var now = _server.Options.TimeProvider.GetUtcNow();
        await SendNodeAsync(Stanza.Make("success", default,
            ("t", Stanza.Number(now.ToUnixTimeSeconds())), ("lid", Device.Lid)), cancellationToken).ConfigureAwait(false);
        var backlog = _server.TakeOfflineBacklog(Device);
        foreach (var stanza in backlog)
        {
            await SendNodeAsync(stanza, cancellationToken).ConfigureAwait(false);
        }

        await SendNodeAsync(Stanza.Make("ib", NodeContent.FromChildren(Stanza.Make("offline", default, ("count", Stanza.Number(backlog.Count)))),
            ("from", Jid.ServerJid)), cancellationToken).ConfigureAwait(false);
        LoggedInAt = now;
        LogMessages.DeviceLoggedIn(_server.Logger, Device.Jid);
        return true;
    }
}

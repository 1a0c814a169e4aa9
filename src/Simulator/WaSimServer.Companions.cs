using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Proto;

namespace WaOrleans.Simulator;

/// <summary>
/// Simulated companions: extra linked devices of a simulated phone that the simulator runs itself,
/// each a real Signal peer with its own identity and prekeys, so multi-device fan-out (and the
/// DeviceSentMessage copies a phone sends its own devices) can be checked end to end.
/// </summary>
public sealed partial class WaSimServer
{
    /// <summary>The most simulated companions a phone may get; WhatsApp links at most four companions besides the phone, and a few more cost nothing.</summary>
    internal const int MaxSimulatedCompanions = 8;

    /// <summary>Links <paramref name="count"/> simulated companions to <paramref name="account"/>; returns their device ids.</summary>
    internal async Task<IReadOnlyList<ushort>> AddSimulatedCompanionsAsync(SimAccount account, int count)
    {
        if (count is < 0 or > MaxSimulatedCompanions)
        {
            throw new SimRequestException(400, $"companions must be between 0 and {MaxSimulatedCompanions}");
        }

        var added = new List<ushort>(count);
        for (var i = 0; i < count; i++)
        {
            var identity = Curve25519.GenerateKeyPair();
            var signal = await PhoneSignal.CreateAsync(identity, Options.TimeProvider, State.MarkChanged).ConfigureAwait(false);
            lock (State.Sync)
            {
                var (deviceId, keyIndex) = account.ReserveDeviceSlot();
                // It never logs in: the Noise key only fills the slot a real device's key would.
                var device = new SimDevice(account, deviceId, keyIndex, Curve25519.GenerateKeyPair().PublicKeyBytes(), signal.Registration)
                {
                    Peer = new SimulatedPeer(identity, signal),
                };
                while (signal.TakePreKey() is { } preKey)
                {
                    device.PreKeys[preKey.Id] = preKey.Key;
                }

                account.AddCompanion(device);
                added.Add(deviceId);
                State.MarkChanged();
            }
        }

        return added;
    }

    /// <summary>
    /// Tells every online device of other accounts, and the account's own, that its device list
    /// changed (<c>&lt;notification type="devices"&gt;</c>, PROTOCOL.md §6.2), as WhatsApp does for
    /// the contacts of a user who links or unlinks a device: clients drop their cached list and fetch
    /// it again (USync) before their next send.
    /// </summary>
    internal async Task NotifyDevicesChangedAsync(SimAccount account, string change, IReadOnlyList<ushort> deviceIds)
    {
        var now = Options.TimeProvider.GetUtcNow();
        var t = Stanza.Number(now.ToUnixTimeSeconds());
        var devices = deviceIds.Select(id => Stanza.Make("device", default, ("jid", new Jid(account.Phone, JidServer.PhoneNumber, id).ToString()))).ToList();
        var notification = Stanza.Make("notification", NodeContent.FromChildren(Stanza.Make(change, NodeContent.FromChildren(devices))),
            ("from", account.PhoneJid.ToString()), ("lid", account.Lid.ToString()), ("type", "devices"),
            ("id", "sim-devices-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4))), ("t", t));
        foreach (var device in State.OnlineDevices())
        {
            if (device.Connection is not { } connection || (device.Account == account && deviceIds.Contains(device.DeviceId)))
            {
                continue;
            }

            try
            {
                await connection.SendNodeAsync(notification).ConfigureAwait(false);
            }
            catch (Protocol.Noise.TransportException)
            {
                // The device went away; it fetches device lists afresh after its next login.
            }
        }
    }

    /// <summary>Sends the phone's own other devices a DeviceSentMessage copy of a 1:1 message, as WhatsApp phones do.</summary>
    private async Task SendCopiesToOwnDevicesAsync(SimAccount account, Jid destination, string id, Message content)
    {
        List<SimDevice> own;
        lock (State.Sync)
        {
            own = [.. account.Companions];
        }

        var copy = new Message { DeviceSentMessage = new Message.Types.DeviceSentMessage { DestinationJid = destination.ToString(), Message = content } };
        foreach (var device in own)
        {
            await SendToDeviceAsync(account, device, id, copy, recipient: destination).ConfigureAwait(false);
        }
    }

    /// <summary>Finds a simulated companion for the control API.</summary>
    private SimulatedPeer RequirePeer(SimAccount account, int deviceId)
    {
        lock (State.Sync)
        {
            return deviceId is > 0 and <= ushort.MaxValue && account.FindCompanion((ushort)deviceId)?.Peer is { } peer
                ? peer
                : throw new SimRequestException(404, $"{account.Phone} has no simulated companion {deviceId}");
        }
    }
}

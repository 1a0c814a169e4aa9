using Microsoft.Extensions.Logging;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Crypto;

namespace WaOrleans.Simulator;

/// <summary>
/// Persistence across process restarts: the state is snapshotted to the data directory shortly
/// after it changes and once more when the server stops, and loaded again when one starts there.
/// </summary>
public sealed partial class WaSimServer
{
    /// <summary>How long the saver waits between checks: changes within it share one write, so a burst of messages costs one file.</summary>
    private static readonly TimeSpan SaveDebounce = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How many times its own duration the saver rests after a write: a big state (thousands of
    /// load-test accounts) then costs at most about a tenth of a core instead of saving back to back.
    /// </summary>
    private const int SaveRestFactor = 10;

    private Task _saver = Task.CompletedTask;
    private long _savedVersion;
    private TimeSpan _lastSaveDuration;

    /// <summary>Loads the snapshot in the data directory, if any, into the (still empty) state.</summary>
    private async Task RestoreAsync()
    {
        if (Options.DataDirectory is not { } directory || SimSnapshot.Load(directory) is not { } snapshot)
        {
            return;
        }

        foreach (var stored in snapshot.Accounts)
        {
            var identity = Curve25519.FromPrivateKey(stored.IdentityPrivateKey);
            var signal = await PhoneSignal.RestoreAsync(identity, Options.TimeProvider, State.MarkChanged, stored.Signal).ConfigureAwait(false);
            var account = new SimAccount(stored.Phone, stored.Lid, stored.PushName, identity, signal);
            account.RestoreNextKeyIndex(stored.NextKeyIndex);
            foreach (var storedDevice in stored.Devices)
            {
                var device = new SimDevice(account, storedDevice.DeviceId, storedDevice.KeyIndex, storedDevice.NoiseKey, storedDevice.Registration)
                {
                    Peer = await RestorePeerAsync(storedDevice).ConfigureAwait(false),
                };
                foreach (var (id, key) in storedDevice.PreKeys)
                {
                    device.PreKeys[id] = key;
                }

                device.Undelivered.AddRange(storedDevice.Undelivered.Select(frame => NodeReader.DecodeFrame(frame)));
                account.AddCompanion(device);
            }

            State.RestoreAccount(account);
        }

        foreach (var group in snapshot.Groups)
        {
            var creator = State.FindAccount(group.Creator) ?? throw new InvalidDataException($"group {group.Jid} names unknown creator {group.Creator}");
            var members = group.Members.Select(m => State.FindAccount(m) ?? throw new InvalidDataException($"group {group.Jid} names unknown member {m}"));
            State.RestoreGroup(new SimGroup(Jid.Parse(group.Jid), group.Subject, creator, [.. members], group.Created));
        }

        _savedVersion = State.Version;
        LogMessages.Restored(Logger, snapshot.Accounts.Count, snapshot.Groups.Count, directory);
    }

    private async Task<SimulatedPeer?> RestorePeerAsync(StoredDevice stored)
    {
        if (stored.PeerIdentityPrivateKey is not { } privateKey || stored.PeerSignal is not { } signal)
        {
            return null;
        }

        var identity = Curve25519.FromPrivateKey(privateKey);
        return new SimulatedPeer(identity, await PhoneSignal.RestoreAsync(identity, Options.TimeProvider, State.MarkChanged, signal).ConfigureAwait(false));
    }

    /// <summary>Starts the background saver if the server has a data directory.</summary>
    private void StartSaver()
    {
        if (Options.DataDirectory is not null)
        {
            _saver = Task.Run(SaveLoopAsync);
        }
    }

    /// <summary>Stops the saver and writes what changed since its last write.</summary>
    private async Task StopSaverAsync()
    {
        await _saver.ConfigureAwait(false);
        if (Options.DataDirectory is not null)
        {
            await SaveIfChangedAsync().ConfigureAwait(false);
        }
    }

    private async Task SaveLoopAsync()
    {
        using var timer = new PeriodicTimer(SaveDebounce, Options.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                await SaveIfChangedAsync().ConfigureAwait(false);
                if (_lastSaveDuration * SaveRestFactor > SaveDebounce)
                {
                    await Task.Delay(_lastSaveDuration * SaveRestFactor, Options.TimeProvider, _stopping.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping: StopSaverAsync writes the last changes.
        }
    }

    private async Task SaveIfChangedAsync()
    {
        var version = State.Version;
        if (version == _savedVersion)
        {
            return;
        }

        var started = Options.TimeProvider.GetTimestamp();
        try
        {
            var snapshot = await CaptureAsync().ConfigureAwait(false);
            snapshot.Save(Options.DataDirectory!);
            _savedVersion = version;
            _lastSaveDuration = Options.TimeProvider.GetElapsedTime(started);
        }
        catch (IOException ex)
        {
            // Retried on the next tick: the version stays unsaved.
            LogMessages.SaveFailed(Logger, Options.DataDirectory!, ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            LogMessages.SaveFailed(Logger, Options.DataDirectory!, ex.Message);
        }
    }

    private async Task<SimSnapshot> CaptureAsync()
    {
        List<(SimAccount Account, List<(StoredDevice Stored, Node[] Undelivered, SimulatedPeer? Peer)> Devices, uint NextKeyIndex)> accounts;
        List<StoredGroup> groups;
        lock (State.Sync)
        {
            var (allAccounts, allGroups) = State.All();
            accounts = [.. allAccounts.Select(a => (a, a.Companions.Select(d => (Capture(d), d.Undelivered.ToArray(), d.Peer)).ToList(), a.NextKeyIndex))];
            groups = [.. allGroups.Select(g => new StoredGroup(g.Jid.ToString(), g.Subject, g.Creator.Phone, [.. g.Members.Select(m => m.Phone)], g.Created))];
        }

        var stored = new List<StoredAccount>(accounts.Count);
        foreach (var (account, devices, nextKeyIndex) in accounts)
        {
            var signal = await account.Signal.ExportAsync(State.Sync).ConfigureAwait(false);
            var storedDevices = new List<StoredDevice>(devices.Count);
            foreach (var (device, undelivered, peer) in devices)
            {
                // Encoded outside the state lock: relaying waits on that lock, and stanzas are immutable.
                device.Undelivered.AddRange(undelivered.Select(NodeWriter.EncodeFrame));
                storedDevices.Add(peer is null ? device : device with
                {
                    PeerIdentityPrivateKey = peer.Identity.PrivateKey.ToArray(),
                    PeerSignal = await peer.Signal.ExportAsync(State.Sync).ConfigureAwait(false),
                });
            }

            stored.Add(new StoredAccount(account.Phone, account.LidUser, account.PushName, account.Identity.PrivateKey.ToArray(), nextKeyIndex, signal, storedDevices));
        }

        return new SimSnapshot(SimSnapshot.CurrentVersion, stored, groups);
    }

    /// <summary>Copies a device's fields under the state lock; its undelivered stanzas are encoded afterwards.</summary>
    private static StoredDevice Capture(SimDevice device) =>
        new(device.DeviceId, device.KeyIndex, device.NoiseKey, device.Registration, new Dictionary<uint, byte[]>(device.PreKeys), []);
}

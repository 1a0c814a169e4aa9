using System.Text.Json;

namespace WaOrleans.Simulator;

/// <summary>
/// Everything WaSim keeps across a process restart, as written to its data directory: accounts with
/// the phones' Signal state, linked devices with their keys and undelivered stanzas, and groups.
/// </summary>
/// <param name="Version">The format version; a file of another version is refused rather than misread.</param>
/// <param name="Accounts">The accounts.</param>
/// <param name="Groups">The groups.</param>
internal sealed record SimSnapshot(int Version, List<StoredAccount> Accounts, List<StoredGroup> Groups)
{
    /// <summary>The format version this code writes and reads.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The file under the data directory.</summary>
    private const string FileName = "wasim-state.json";

    /// <summary>Reads the snapshot from <paramref name="dataDirectory"/>, or returns null if there is none yet.</summary>
    /// <exception cref="InvalidDataException">The file is not a snapshot this code can read.</exception>
    public static SimSnapshot? Load(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        var snapshot = JsonSerializer.Deserialize<SimSnapshot>(File.ReadAllBytes(path))
            ?? throw new InvalidDataException($"{path} is empty");
        return snapshot.Version == CurrentVersion
            ? snapshot
            : throw new InvalidDataException($"{path} has format version {snapshot.Version}, this WaSim reads {CurrentVersion}");
    }

    /// <summary>Writes the snapshot atomically: a temporary file renamed over the old one, so a crash leaves one or the other whole.</summary>
    public void Save(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            if (!OperatingSystem.IsWindows())
            {
                // The file holds the phones' private keys: keep it readable by its owner only.
                File.SetUnixFileMode(file.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            JsonSerializer.Serialize(file, this);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>A saved account.</summary>
/// <param name="Phone">The phone number.</param>
/// <param name="Lid">The LID user part.</param>
/// <param name="PushName">The push name.</param>
/// <param name="IdentityPrivateKey">The phone's identity private key (the public key is derived from it).</param>
/// <param name="NextKeyIndex">The key index the next linked device gets.</param>
/// <param name="Signal">The phone's Signal state.</param>
/// <param name="Devices">The linked companions.</param>
internal sealed record StoredAccount(
    string Phone, string Lid, string PushName, byte[] IdentityPrivateKey, uint NextKeyIndex, StoredPhoneSignal Signal, List<StoredDevice> Devices);

/// <summary>A saved linked device.</summary>
/// <param name="DeviceId">The device id.</param>
/// <param name="KeyIndex">The ADV key index.</param>
/// <param name="NoiseKey">The Noise static public key it logs in with.</param>
/// <param name="Registration">Its Signal registration data.</param>
/// <param name="PreKeys">Its uploaded one-time prekeys not yet handed out.</param>
/// <param name="Undelivered">The stanzas routed to it and not yet acked, each an encoded frame.</param>
/// <param name="PeerIdentityPrivateKey">For a simulated companion, its identity private key; null for a real client's device.</param>
/// <param name="PeerSignal">For a simulated companion, its Signal state.</param>
internal sealed record StoredDevice(
    ushort DeviceId, uint KeyIndex, byte[] NoiseKey, SignalRegistration Registration, Dictionary<uint, byte[]> PreKeys, List<byte[]> Undelivered,
    byte[]? PeerIdentityPrivateKey = null, StoredPhoneSignal? PeerSignal = null);

/// <summary>A saved group.</summary>
/// <param name="Jid">The group JID.</param>
/// <param name="Subject">The subject.</param>
/// <param name="Creator">The creator's phone number.</param>
/// <param name="Members">The members' phone numbers, the creator included.</param>
/// <param name="Created">When it was created.</param>
internal sealed record StoredGroup(string Jid, string Subject, string Creator, List<string> Members, DateTimeOffset Created);

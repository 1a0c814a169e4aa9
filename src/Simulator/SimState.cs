using WaOrleans.Protocol.Binary;

namespace WaOrleans.Simulator;

/// <summary>
/// Everything the simulated WhatsApp backend knows: accounts, their devices, and the pairings in
/// progress. It outlives connections, so a simulated server restart keeps it; with a data
/// directory it is also saved there and loaded by the next process (see WaSimServer.Persistence).
/// </summary>
/// <remarks>One lock guards it all: the simulator favours obvious correctness over throughput here.</remarks>
internal sealed class SimState
{
    // Looked up for every relayed stanza and written only when an account is created: concurrent
    // maps let lookups skip the lock that relaying threads otherwise contend on.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SimAccount> _accounts = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SimAccount> _accountsByLid = new(StringComparer.Ordinal);
    private readonly Dictionary<string, QrRef> _qrRefs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PairingCodeSession> _codeSessions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimGroup> _groups = new(StringComparer.Ordinal);
    private long _nextLid = SimConstants.FirstLidUser;
    private long _nextGroup = SimConstants.FirstGroupUser;
    private long _version;

    /// <summary>Gets a number that grows with every change worth saving; the saver compares it with what it last wrote.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Notes that something worth saving changed (accounts, devices, keys, groups, queued stanzas).</summary>
    public void MarkChanged() => Interlocked.Increment(ref _version);

    /// <summary>Gets the lock that guards this state and the accounts and devices in it.</summary>
    public Lock Sync { get; } = new();

    /// <summary>Creates an account; returns null if the number is taken.</summary>
    public SimAccount? CreateAccount(string phone, string pushName, WaOrleans.Protocol.Crypto.KeyPair identity, PhoneSignal signal)
    {
        lock (Sync)
        {
            if (_accounts.ContainsKey(phone))
            {
                return null;
            }

            var account = new SimAccount(phone, (_nextLid++).ToString(System.Globalization.CultureInfo.InvariantCulture), pushName, identity, signal);
            _accounts[phone] = account;
            _accountsByLid[account.LidUser] = account;
            MarkChanged();
            return account;
        }
    }

    /// <summary>Adds an account loaded from the data directory, keeping new LIDs above it.</summary>
    public void RestoreAccount(SimAccount account)
    {
        lock (Sync)
        {
            _accounts[account.Phone] = account;
            _accountsByLid[account.LidUser] = account;
            _nextLid = Math.Max(_nextLid, long.Parse(account.LidUser, System.Globalization.CultureInfo.InvariantCulture) + 1);
        }
    }

    /// <summary>Adds a group loaded from the data directory, keeping new group ids above it.</summary>
    public void RestoreGroup(SimGroup group)
    {
        lock (Sync)
        {
            _groups[group.Jid.User] = group;
            _nextGroup = Math.Max(_nextGroup, long.Parse(group.Jid.User, System.Globalization.CultureInfo.InvariantCulture) + 1);
        }
    }

    /// <summary>Gets every account and every group, for a snapshot. Call under <see cref="Sync"/>.</summary>
    public (IEnumerable<SimAccount> Accounts, IEnumerable<SimGroup> Groups) All() => (_accounts.Values, _groups.Values);

    /// <summary>Finds an account by phone number.</summary>
    public SimAccount? FindAccount(string phone) => _accounts.GetValueOrDefault(phone);

    /// <summary>Finds a linked device by its PN or LID JID (with device id).</summary>
    public SimDevice? FindDevice(Jid jid) => FindAccount(jid)?.FindCompanion(jid.Device);

    /// <summary>Finds the account of a PN or LID JID (any device).</summary>
    public SimAccount? FindAccount(Jid jid) =>
        jid.IsLid ? _accountsByLid.GetValueOrDefault(jid.User)
        : jid.IsPhoneNumber ? _accounts.GetValueOrDefault(jid.User) : null;

    /// <summary>Gets every device that has a live connection.</summary>
    public IReadOnlyList<SimDevice> OnlineDevices()
    {
        lock (Sync)
        {
            return [.. _accounts.Values.SelectMany(a => a.Companions).Where(d => d.Connection is not null)];
        }
    }

    /// <summary>Creates a group of <paramref name="creator"/> and <paramref name="members"/>.</summary>
    public SimGroup CreateGroup(string subject, SimAccount creator, IEnumerable<SimAccount> members, DateTimeOffset now)
    {
        lock (Sync)
        {
            var jid = new Jid((_nextGroup++).ToString(System.Globalization.CultureInfo.InvariantCulture), JidServer.Group);
            var group = new SimGroup(jid, subject, creator, members, now);
            _groups[jid.User] = group;
            MarkChanged();
            return group;
        }
    }

    /// <summary>Finds a group by its JID.</summary>
    public SimGroup? FindGroup(Jid jid)
    {
        lock (Sync)
        {
            return jid.IsGroup ? _groups.GetValueOrDefault(jid.User) : null;
        }
    }

    /// <summary>Gets the groups an account belongs to.</summary>
    public IReadOnlyList<SimGroup> GroupsOf(SimAccount account)
    {
        lock (Sync)
        {
            return [.. _groups.Values.Where(g => g.Members.Contains(account))];
        }
    }

    /// <summary>Publishes the QR refs of a registering connection with their expiry times.</summary>
    public void AddQrRefs(IEnumerable<QrRef> refs)
    {
        lock (Sync)
        {
            foreach (var qrRef in refs)
            {
                _qrRefs[qrRef.Ref] = qrRef;
            }
        }
    }

    /// <summary>Takes a QR ref for a scan: removes and returns it if it exists and has not expired.</summary>
    public QrRef? TakeQrRef(string qrRef, DateTimeOffset now)
    {
        lock (Sync)
        {
            if (!_qrRefs.Remove(qrRef, out var found) || found.ExpiresAt <= now)
            {
                return null;
            }

            return found;
        }
    }

    /// <summary>Forgets every QR ref of a connection (it paired or closed).</summary>
    public void RemoveQrRefs(SimConnection connection)
    {
        lock (Sync)
        {
            foreach (var key in _qrRefs.Where(p => p.Value.Connection == connection).Select(p => p.Key).ToList())
            {
                _qrRefs.Remove(key);
            }
        }
    }

    /// <summary>Records a pairing-code request (companion_hello), replacing an older one for the same phone.</summary>
    public void SetCodeSession(PairingCodeSession session)
    {
        lock (Sync)
        {
            _codeSessions[session.Phone] = session;
        }
    }

    /// <summary>Finds the pending pairing-code request for a phone.</summary>
    public PairingCodeSession? FindCodeSession(string phone)
    {
        lock (Sync)
        {
            return _codeSessions.GetValueOrDefault(phone);
        }
    }

    /// <summary>Forgets a pairing-code request once it completed or its connection closed.</summary>
    public void RemoveCodeSession(PairingCodeSession session)
    {
        lock (Sync)
        {
            if (_codeSessions.TryGetValue(session.Phone, out var current) && current == session)
            {
                _codeSessions.Remove(session.Phone);
            }
        }
    }
}

/// <summary>A QR ref handed to a registering connection, valid until <paramref name="ExpiresAt"/>.</summary>
internal sealed record QrRef(string Ref, SimConnection Connection, DateTimeOffset ExpiresAt);

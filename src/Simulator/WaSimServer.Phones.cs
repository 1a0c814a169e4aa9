using System.Text;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Crypto;

namespace WaOrleans.Simulator;

/// <summary>What the simulated phones do: scan a QR, enter a pairing code, unlink a companion.</summary>
public sealed partial class WaSimServer
{
    /// <summary>Size of the random tail of the pairing-code key bundle.</summary>
    private const int BundleRandomSize = 32;

    /// <summary>Scans a companion's QR with <paramref name="account"/>'s phone and completes the pairing.</summary>
    internal async Task<SimDevice> ScanQrAsync(SimAccount account, string qr, CancellationToken cancellationToken)
    {
        var code = QrCode.TryParse(qr) ?? throw new SimRequestException(400, "the QR string is malformed");
        var qrRef = State.TakeQrRef(code.Ref, Options.TimeProvider.GetUtcNow())
            ?? throw new SimRequestException(410, "the QR ref is unknown or expired");
        var connection = qrRef.Connection;
        if (!code.NoiseKey.AsSpan().SequenceEqual(connection.NoiseKey)
            || connection.Registration is not { } registration
            || !code.IdentityKey.AsSpan().SequenceEqual(registration.IdentityKey))
        {
            throw new SimRequestException(400, "the QR keys do not match the client that was given this ref");
        }

        return await PairAsync(connection, account, code.AdvSecret, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Enters <paramref name="code"/> on <paramref name="account"/>'s phone for the pending pairing-code
    /// request (PROTOCOL.md §4.4 steps 4–7): primary_hello, companion_finish check, then pair-success.
    /// </summary>
    internal async Task<SimDevice> EnterPairingCodeAsync(SimAccount account, string code, CancellationToken cancellationToken)
    {
        var session = State.FindCodeSession(account.Phone)
            ?? throw new SimRequestException(404, "no companion is waiting for a pairing code for this phone");
        code = code.Replace("-", "", StringComparison.Ordinal).Trim().ToUpperInvariant();
        if (code.Length != SimConstants.PairingCodeLength)
        {
            throw new SimRequestException(400, $"a pairing code has {SimConstants.PairingCodeLength} characters");
        }

        var companionEphemeral = PairingCodeCrypto.UnwrapEphemeral(code, session.WrappedCompanionEphemeral);
        var primaryEphemeral = Curve25519.GenerateKeyPair();
        var finish = new TaskCompletionSource<Node>(TaskCreationOptions.RunContinuationsAsynchronously);
        session.Finish = finish;
        var now = Options.TimeProvider.GetUtcNow();
        var notification = Stanza.Make("notification", NodeContent.FromChildren(Stanza.Make("link_code_companion_reg", NodeContent.FromChildren(
                Stanza.Make("link_code_pairing_ref", Encoding.UTF8.GetBytes(session.Ref)),
                Stanza.Make("primary_identity_pub", account.Identity.PublicKeyBytes()),
                Stanza.Make("link_code_pairing_wrapped_primary_ephemeral_pub", PairingCodeCrypto.WrapEphemeral(code, primaryEphemeral.PublicKey))),
                ("stage", "primary_hello"))),
            ("from", Jid.ServerJid), ("type", "link_code_companion_reg"), ("id", "sim-code-" + Stanza.Number(now.ToUnixTimeMilliseconds())),
            ("t", Stanza.Number(now.ToUnixTimeSeconds())));
        await session.Connection.SendNodeAsync(notification, cancellationToken).ConfigureAwait(false);
        var finishIq = await finish.Task.WaitAsync(Options.ServerIqTimeout, cancellationToken).ConfigureAwait(false);

        var advSecret = CheckCompanionFinish(account, session, finishIq.GetChild("link_code_companion_reg")!, primaryEphemeral, companionEphemeral);
        if (advSecret is null)
        {
            await session.Connection.SendNodeAsync(Stanza.Error(finishIq, 401, "not-authorized"), cancellationToken).ConfigureAwait(false);
            throw new SimRequestException(400, "the pairing code does not match the one the companion shows");
        }

        await session.Connection.SendNodeAsync(Stanza.Result(finishIq), cancellationToken).ConfigureAwait(false);
        State.RemoveCodeSession(session);
        return await PairAsync(session.Connection, account, advSecret, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Unlinks a companion: forgets it and tells its connection it was removed (401 device_removed).</summary>
    internal async Task UnlinkAsync(SimDevice device)
    {
        SimConnection? connection;
        lock (State.Sync)
        {
            device.Account.RemoveCompanion(device.DeviceId);
            State.MarkChanged();
            connection = device.Connection;
            device.Connection = null;
        }

        LogMessages.DeviceUnlinked(Logger, device.Jid);
        if (connection is not null)
        {
            await connection.CloseWithAsync(Stanza.StreamError(SimConstants.StreamDeviceRemoved)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Answers a bundle fetch (PROTOCOL.md §5.4): one <c>user</c> per requested JID, consuming a
    /// one-time prekey each; a companion whose stock runs low is told to upload more.
    /// </summary>
    internal Node FetchBundles(Node keyRequest)
    {
        var users = new List<Node>();
        var lowOnKeys = new List<(SimConnection Connection, int Count)>();
        foreach (var user in keyRequest.GetChildren("user"))
        {
            if (!user.Attrs.TryGetValue("jid", out var value) || !Jid.TryParse(value.ToString(), out var jid))
            {
                continue;
            }

            lock (State.Sync)
            {
                // The reply echoes the requested JID: Baileys matches bundles to requests by it.
                users.Add(FetchBundle(jid, lowOnKeys));
            }
        }

        foreach (var (connection, count) in lowOnKeys)
        {
            _ = NotifyPreKeyCountAsync(connection, count);
        }

        return Stanza.Make("list", NodeContent.FromChildren(users));
    }

    private Node FetchBundle(Jid jid, List<(SimConnection, int)> lowOnKeys)
    {
        var account = State.FindAccount(jid);
        if (account is not null && jid.Device == 0)
        {
            account.BundlesServed++;
            return PreKeyCodec.WriteBundle(jid, account.Signal.Registration, account.Signal.TakePreKey());
        }

        if (account?.FindCompanion(jid.Device) is not { } device)
        {
            return PreKeyCodec.WriteMissing(jid);
        }

        (uint, byte[])? preKey = null;
        if (device.PreKeys.Count > 0)
        {
            var id = device.PreKeys.Keys.Min();
            preKey = (id, device.PreKeys[id]);
            device.PreKeys.Remove(id);
            State.MarkChanged();
            if (device.PreKeys.Count < SimConstants.MinPreKeys && device.Connection is { } connection)
            {
                lowOnKeys.Add((connection, device.PreKeys.Count));
            }
        }

        return PreKeyCodec.WriteBundle(jid, device.Registration, preKey);
    }

    private async Task NotifyPreKeyCountAsync(SimConnection connection, int count)
    {
        var now = Options.TimeProvider.GetUtcNow();
        var notification = Stanza.Make("notification", NodeContent.FromChildren(Stanza.Make("count", default, ("value", Stanza.Number(count)))),
            ("from", Jid.ServerJid), ("type", "encrypt"), ("id", "sim-count-" + Stanza.Number(now.ToUnixTimeMilliseconds())),
            ("t", Stanza.Number(now.ToUnixTimeSeconds())));
        try
        {
            await connection.SendNodeAsync(notification).ConfigureAwait(false);
        }
        catch (Protocol.Noise.TransportException)
        {
            // The device went away; it asks for the count itself at its next login.
        }
    }

    private static byte[]? CheckCompanionFinish(
        SimAccount account, PairingCodeSession session, Node finish, KeyPair primaryEphemeral, byte[] companionEphemeral)
    {
        var bundle = Stanza.ChildBytes(finish, "link_code_pairing_wrapped_key_bundle");
        var companionIdentity = Stanza.ChildBytes(finish, "companion_identity_public");
        if (bundle is null || companionIdentity is not { Length: Curve25519.KeySize }
            || session.Connection.Registration is not { } registration
            || !companionIdentity.AsSpan().SequenceEqual(registration.IdentityKey))
        {
            return null;
        }

        byte[] ephemeralShared;
        try
        {
            ephemeralShared = Curve25519.SharedKey(primaryEphemeral.PrivateKey, companionEphemeral);
        }
        catch (CryptoException)
        {
            // A wrong code can unwrap to a low-order point; that is a wrong code too.
            return null;
        }

        if (PairingCodeCrypto.OpenKeyBundle(ephemeralShared, bundle) is not { } opened
            || !opened.CompanionIdentity.AsSpan().SequenceEqual(companionIdentity)
            || !opened.PrimaryIdentity.AsSpan().SequenceEqual(account.Identity.PublicKey)
            || opened.Random.Length != BundleRandomSize)
        {
            return null;
        }

        var identityShared = Curve25519.SharedKey(account.Identity.PrivateKey, companionIdentity);
        return PairingCodeCrypto.DeriveAdvSecret(ephemeralShared, identityShared, opened.Random);
    }

    private static async Task<SimDevice> PairAsync(SimConnection connection, SimAccount account, byte[] advSecret, CancellationToken cancellationToken)
    {
        try
        {
            return await connection.CompletePairingAsync(account, advSecret, cancellationToken).ConfigureAwait(false);
        }
        catch (PairingException ex)
        {
            throw new SimRequestException(409, ex.Message);
        }
        catch (TimeoutException)
        {
            throw new SimRequestException(504, "the companion did not answer pair-success");
        }
    }
}

using System.Globalization;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.State;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// Login of a paired device (PROTOCOL.md §4.5, §5.4): on <c>success</c>, stock prekeys, go active,
/// check the key digest, then <see cref="ConnectedEvent"/>. Also tops prekeys up when the server
/// reports a low count.
/// </summary>
public sealed partial class WaClient
{
    /// <summary>Gets the server's prekey stock, uploads more if low, and returns the stock it found.</summary>
    private async Task HandleSuccessAsync(ClientConnection connection, Node success)
    {
        var credentials = Credentials;
        if (connection.Registering || credentials?.Me is not { } me)
        {
            // whatsmeow ignores a success on a connection that is not a login.
            return;
        }

        await SetStateAsync(WaConnectionState.LoggingIn).ConfigureAwait(false);
        if (success.GetAttr("lid") is { } lidText && Jid.TryParse(lidText, out var lid) && credentials.MeLid != lid)
        {
            credentials = credentials with { MeLid = lid };
            await _store.SaveCredentialsAsync(credentials, connection.Token).ConfigureAwait(false);
            SetCredentials(credentials);
            await _store.Lids.StoreMappingAsync(lid, me, connection.Token).ConfigureAwait(false);
        }

        var count = await GetServerPreKeyCountAsync(connection).ConfigureAwait(false);
        if (count < ClientConstants.MinPreKeyCount)
        {
            await UploadPreKeysAsync(connection, count == 0 ? ClientConstants.InitialPreKeyCount : ClientConstants.PreKeyTopUpCount, count).ConfigureAwait(false);
        }

        await SendIqAsync(connection, new IqRequest("passive", "set", null, [new Node("active")]), connection.Token).ConfigureAwait(false);
        var digest = await SendIqAsync(connection, new IqRequest("encrypt", "get", null, [new Node("digest")]), connection.Token).ConfigureAwait(false);
        if (digest.GetChild("digest") is null)
        {
            // Baileys' answer to a missing digest: the server lost our keys, so send them again.
            await UploadPreKeysAsync(connection, ClientConstants.InitialPreKeyCount, count).ConfigureAwait(false);
        }

        connection.ReachedConnected = true;
        LogMessages.Connected(_logger, me.ToString());
        await SetStateAsync(WaConnectionState.Connected).ConfigureAwait(false);
        await RaiseAsync(new ConnectedEvent()).ConfigureAwait(false);
        await ReplayPendingAsync(connection).ConfigureAwait(false);
    }

    /// <summary>Handles <c>&lt;notification type="encrypt"&gt;&lt;count value/&gt;</c>: uploads a batch when the stock is low.</summary>
    private async Task HandlePreKeyCountNotificationAsync(ClientConnection connection, Node count)
    {
        var value = new AttrReader(count).GetOptionalInt32("value") ?? 0;
        if (value < ClientConstants.MinPreKeyCount && !connection.Registering)
        {
            await UploadPreKeysAsync(connection, ClientConstants.PreKeyTopUpCount, value).ConfigureAwait(false);
        }
    }

    private async Task<int> GetServerPreKeyCountAsync(ClientConnection connection)
    {
        var reply = await SendIqAsync(connection, new IqRequest("encrypt", "get", null, [new Node("count")]), connection.Token).ConfigureAwait(false);
        return int.TryParse(reply.GetChild("count")?.GetAttr("value"), NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : 0;
    }

    /// <summary>
    /// Generates <paramref name="count"/> prekeys, stores them and the advanced counter, then uploads
    /// them. Stored first: a key the server hands out must always be one we can decrypt with.
    /// </summary>
    private async Task UploadPreKeysAsync(ClientConnection connection, int count, int serverCount)
    {
        var credentials = Credentials ?? throw new InvalidOperationException("no credentials to upload prekeys for");
        var signal = _signal ?? throw new InvalidOperationException("no Signal store is open");
        var preKeys = KeyHelper.GeneratePreKeys(new PreKeyId(credentials.NextPreKeyId), count, _options.Random);
        await signal.StorePreKeysAsync(preKeys, connection.Token).ConfigureAwait(false);

        var next = NextPreKeyId(credentials.NextPreKeyId, count);
        credentials = credentials with { NextPreKeyId = next };
        await _store.SaveCredentialsAsync(credentials, connection.Token).ConfigureAwait(false);
        SetCredentials(credentials);

        await SendIqAsync(connection, new IqRequest("encrypt", "set", null, PreKeyNodes.Upload(credentials, preKeys)), connection.Token).ConfigureAwait(false);
        credentials = credentials with { FirstUnuploadedPreKeyId = next };
        await _store.SaveCredentialsAsync(credentials, connection.Token).ConfigureAwait(false);
        SetCredentials(credentials);
        LogMessages.PreKeysUploaded(_logger, count, serverCount);
    }

    /// <summary>Advances a prekey id by <paramref name="count"/>, wrapping from the 24-bit maximum back to 1 as the generator does.</summary>
    private static uint NextPreKeyId(uint id, int count) => (uint)(((id - 1 + (long)count) % SignalConstants.MaxPreKeyId) + 1);
}

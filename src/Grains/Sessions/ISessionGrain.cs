using Orleans.Concurrency;
using WaOrleans.Grains.Messages;

namespace WaOrleans.Grains.Sessions;

/// <summary>
/// One linked WhatsApp device, keyed by session id: it owns the connection, the credentials and
/// Signal state, and the status (DESIGN.md "A session").
/// </summary>
[Alias("WaOrleans.ISessionGrain")]
public interface ISessionGrain : IGrainWithStringKey
{
    /// <summary>Creates the session if it does not exist; returns its status either way.</summary>
    [Alias("CreateAsync")]
    Task<SessionStatus> CreateAsync();

    /// <summary>
    /// Marks the session as one that should be online and connects it: a paired session logs in, an
    /// unpaired one shows QR codes or, for <see cref="ConnectMethod.PairingCode"/>, gets a pairing code.
    /// </summary>
    [Alias("ConnectAsync")]
    Task<SessionStatus> ConnectAsync(ConnectRequest request);

    /// <summary>Gets the status, with the latest QR string while pairing.</summary>
    [Alias("GetStatusAsync"), AlwaysInterleave]
    Task<SessionStatus> GetStatusAsync();

    /// <summary>Closes the connection and keeps the credentials; the session stays offline until connected again.</summary>
    [Alias("DisconnectAsync")]
    Task<SessionStatus> DisconnectAsync();

    /// <summary>Closes the connection and wipes the credentials and Signal state; connecting again pairs a new device.</summary>
    [Alias("LogoutAsync")]
    Task<SessionStatus> LogoutAsync();

    /// <summary>
    /// Sends a text. The message is persisted with its id before it leaves; a retried
    /// <see cref="SendTextRequest.IdempotencyKey"/> returns the first result without sending again.
    /// </summary>
    /// <exception cref="GatewayException">The session is not connected (<c>Conflict</c>), or as <see cref="SendAsync"/>.</exception>
    [Alias("SendTextAsync")]
    Task<SendTextResult> SendTextAsync(SendTextRequest request);

    /// <summary>Brings the session back online if it should be: the silo calls it at startup and after a node loss.</summary>
    [Alias("EnsureOnlineAsync")]
    Task EnsureOnlineAsync();

    /// <summary>Creates the session in a tenant if it does not exist; returns its status either way.</summary>
    /// <exception cref="GatewayException">The session exists in another tenant (<c>Conflict</c>).</exception>
    [Alias("CreateInTenantAsync")]
    Task<SessionStatus> CreateAsync(CreateSessionRequest request);

    /// <summary>Gets the status, or null when the session was never created (or was deleted).</summary>
    [Alias("FindAsync"), AlwaysInterleave]
    Task<SessionStatus?> FindAsync();

    /// <summary>Changes the session's name.</summary>
    [Alias("UpdateAsync")]
    Task<SessionStatus> UpdateAsync(SessionPatch patch);

    /// <summary>Logs out (wiping credentials and Signal state) and deletes the session and its rows.</summary>
    [Alias("DeleteAsync")]
    Task DeleteAsync();

    /// <summary>Closes the connection and connects again with the same credentials.</summary>
    [Alias("RestartAsync")]
    Task<SessionStatus> RestartAsync();

    /// <summary>
    /// Sends a message of any type. It is persisted with its id before it leaves (durability rule
    /// 3); transient failures are retried; a final failure is recorded and raises <c>message.failed</c>.
    /// A retried <see cref="SendMessageRequest.IdempotencyKey"/> returns the first result.
    /// </summary>
    /// <exception cref="GatewayException">Not connected (<c>Conflict</c>), recipient not on WhatsApp (<c>Unprocessable</c>), bad content (<c>Invalid</c>), a daily limit used up (<c>LimitExceeded</c>).</exception>
    [Alias("SendAsync")]
    Task<SendMessageResult> SendAsync(SendMessageRequest request);

    /// <summary>Checks which numbers are on WhatsApp.</summary>
    [Alias("CheckNumbersAsync")]
    Task<IReadOnlyList<NumberCheck>> CheckNumbersAsync(IReadOnlyList<string> phones);

    /// <summary>Gets the groups the linked number belongs to.</summary>
    [Alias("GetGroupsAsync")]
    Task<IReadOnlyList<GroupInfo>> GetGroupsAsync();

    /// <summary>Gets one group's metadata.</summary>
    /// <exception cref="GatewayException">Not a group the number belongs to (<c>NotFound</c>).</exception>
    [Alias("GetGroupAsync")]
    Task<GroupInfo> GetGroupAsync(string groupJid);

    /// <summary>Gets who the linked number is.</summary>
    /// <exception cref="GatewayException">Not paired (<c>Conflict</c>).</exception>
    [Alias("GetProfileAsync")]
    Task<SessionProfile> GetProfileAsync();

    /// <summary>Downloads and decrypts the media of a logged message.</summary>
    /// <exception cref="GatewayException">No such message or no media (<c>NotFound</c>), not connected (<c>Conflict</c>).</exception>
    [Alias("DownloadMediaAsync")]
    Task<MediaContent> DownloadMediaAsync(string messageId);

    /// <summary>Gets the address of the silo hosting this activation, for operators and failover tests.</summary>
    [Alias("GetSiloAsync"), AlwaysInterleave]
    Task<string> GetSiloAsync();

    /// <summary>
    /// Loads a Baileys <c>useMultiFileAuthState</c> folder (file name → JSON text: <c>creds.json</c>
    /// and the key files) as this session's credentials and Signal state, so the device a
    /// Baileys-based gateway linked logs in here without a new QR scan. Connect afterwards.
    /// </summary>
    /// <exception cref="GatewayException">The session holds credentials or is online (<c>Conflict</c>), a bad name or file (<c>Invalid</c>, field <c>files["name"]</c>), no such session (<c>NotFound</c>).</exception>
    [Alias("ImportBaileysAuthAsync")]
    Task<SessionStatus> ImportBaileysAuthAsync(IReadOnlyDictionary<string, string> files);
}

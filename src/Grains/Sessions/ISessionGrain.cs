using Orleans.Concurrency;

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
    /// <exception cref="InvalidOperationException">The session is not connected.</exception>
    [Alias("SendTextAsync")]
    Task<SendTextResult> SendTextAsync(SendTextRequest request);

    /// <summary>Brings the session back online if it should be: the silo calls it at startup and after a node loss.</summary>
    [Alias("EnsureOnlineAsync")]
    Task EnsureOnlineAsync();

    /// <summary>Gets the address of the silo hosting this activation, for operators and failover tests.</summary>
    [Alias("GetSiloAsync"), AlwaysInterleave]
    Task<string> GetSiloAsync();
}

namespace WaOrleans.Protocol.Events;

/// <summary>
/// Fires when the server refused the connection for a reason retrying will not fix: the client
/// version is outdated (405), the account is temporarily banned (402, see <see cref="Expire"/>), or
/// the user agent is bad (409). The client stops. The consumer reports the session as failed with
/// the reason; for 405 update <see cref="Client.WaClientOptions.Version"/>.
/// </summary>
/// <param name="Code">The failure reason code from the server.</param>
/// <param name="Reason">A readable description of the code.</param>
/// <param name="Expire">For a temporary ban, when it ends, if the server said.</param>
public sealed record ConnectFailureEvent(int Code, string Reason, DateTimeOffset? Expire) : WaEvent, IPermanentDisconnect;

namespace WaOrleans.Protocol.Events;

/// <summary>
/// Something a <see cref="Client.WaClient"/> tells its owner. Each event type's doc says when it
/// fires and what the consumer should do next. Handlers run one at a time, in the order events
/// happen; an exception in a handler is logged and does not stop the client.
/// </summary>
public abstract record WaEvent;

/// <summary>
/// Marks events after which the client stays disconnected for good: it will not reconnect, and the
/// consumer must act (pair again, update the client, wait out a ban, or accept the replacement).
/// </summary>
public interface IPermanentDisconnect;

namespace WaOrleans.Simulator;

/// <summary>Body of <c>POST /sim/phones</c>: the number (digits, an optional leading +) and the push name.</summary>
public sealed record CreatePhoneRequest(string Phone, string? PushName);

/// <summary>Body of <c>POST /sim/phones/{phone}/scan</c>: the QR string the companion showed.</summary>
public sealed record ScanRequest(string Qr);

/// <summary>Body of <c>POST /sim/phones/{phone}/pair-code</c>: the 8-character code the companion showed.</summary>
public sealed record PairCodeRequest(string Code);

/// <summary>Body of <c>POST /sim/phones/{phone}/unlink</c>: one device id, or null for every companion.</summary>
public sealed record UnlinkRequest(int? Device);

/// <summary>
/// Body of <c>POST /sim/devices/{jid}/fault</c>. Kinds: <c>close</c> (drop the socket),
/// <c>stream-error</c> with <see cref="Code"/> 515, 401, 440 or 503, <c>silent</c> (stop sending
/// anything), <c>restart-server</c> (drop every connection, keep all state).
/// </summary>
public sealed record FaultRequest(string Kind, int? Code);

/// <summary>A simulated phone's account as the control API shows it; the identity key is public.</summary>
public sealed record PhoneInfo(string Phone, string Jid, string Lid, string PushName, string IdentityKey, IReadOnlyList<DeviceInfo> Devices);

/// <summary>A linked companion device as the control API shows it.</summary>
public sealed record DeviceInfo(string Jid, string Lid, int DeviceId, long KeyIndex, bool Online, int PreKeys);

/// <summary>The root key clients must trust, in hex.</summary>
public sealed record RootKeyInfo(string RootKey, string WebSocketUrl);

/// <summary>A message the simulated phone received; until the phone runs Signal it shows the encrypted payload's type and size.</summary>
public sealed record InboxEntry(string From, string Id, string EncType, int CiphertextLength, DateTimeOffset Received);

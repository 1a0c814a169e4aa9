namespace WaOrleans.Simulator;

/// <summary>
/// Body of <c>POST /sim/phones</c>: the number (digits, an optional leading +), the push name, and how
/// many simulated companions to link (each a Signal peer the simulator runs; their inboxes are at
/// <c>GET /sim/phones/{phone}/companions/{device}/inbox</c>).
/// </summary>
public sealed record CreatePhoneRequest(string Phone, string? PushName, int? Companions = null);

/// <summary>
/// Body of <c>POST /sim/phones/{phone}/devices</c>: links a companion without pairing (load tests,
/// multi-device fixtures). Keys are base64 public keys; the identity defaults to a random one.
/// </summary>
public sealed record ProvisionDeviceRequest(string NoiseKey, string? IdentityKey, uint? RegistrationId);

/// <summary>Body of <c>POST /sim/phones/{phone}/scan</c>: the QR string the companion showed.</summary>
public sealed record ScanRequest(string Qr);

/// <summary>Body of <c>POST /sim/phones/{phone}/pair-code</c>: the 8-character code the companion showed.</summary>
public sealed record PairCodeRequest(string Code);

/// <summary>
/// Body of <c>POST /sim/phones/{phone}/forget-session</c>: the phone drops its Signal session with
/// that device (PN or LID JID), as a phone that lost its state would; its next message from the
/// device fails to decrypt and the phone answers with a retry receipt carrying its keys.
/// </summary>
public sealed record ForgetSessionRequest(string Jid);

/// <summary>
/// Body of <c>POST /sim/phones/{phone}/retries</c>: whether the phone answers retry receipts for
/// the messages it sent (default true; false leaves a receiver that cannot decrypt with its own
/// phone as the only source, for placeholder resend), and whether it sends them.
/// </summary>
/// <param name="Answer">Whether the phone answers retry receipts for what it sent.</param>
/// <param name="Send">Whether the phone and its simulated companions send retry receipts for what they cannot decrypt; unchanged when null.</param>
public sealed record RetrySettingsRequest(bool Answer, bool? Send = null);

/// <summary>
/// Body of <c>POST /sim/phones/{phone}/companions</c>: how many more simulated companions to link, and
/// whether online devices get a <c>devices</c> notification about them (default yes; false leaves
/// clients to find them by USync or a group's phash).
/// </summary>
public sealed record AddCompanionsRequest(int Count, bool? Notify = null);

/// <summary>Body of <c>POST /sim/phones/{phone}/unlink</c>: one device id, or null for every companion.</summary>
public sealed record UnlinkRequest(int? Device);

/// <summary>
/// Body of <c>POST /sim/devices/{jid}/fault</c>. Kinds: <c>close</c> (drop the socket),
/// <c>stream-error</c> with <see cref="Code"/> 515, 401, 440 or 503, <c>silent</c> (stop sending
/// anything), <c>drop</c> (lose the next <see cref="Count"/> stanzas to the device), <c>delay</c>
/// (hold each stanza to the device <see cref="DelayMs"/>), <c>nack</c> (refuse the device's next
/// <see cref="Count"/> messages with 479), <c>clear</c> (end those faults), <c>restart-server</c>
/// (drop every connection, keep all state, and refuse new ones for <see cref="DelayMs"/>).
/// </summary>
public sealed record FaultRequest(string Kind, int? Code, int? Count = null, int? DelayMs = null);

/// <summary>A simulated phone's account as the control API shows it; the identity key is public.</summary>
public sealed record PhoneInfo(string Phone, string Jid, string Lid, string PushName, string IdentityKey, IReadOnlyList<DeviceInfo> Devices, int BundlesServed = 0);

/// <summary>
/// One logged-in connection of a phone's companion, as <c>GET /sim/phones/{phone}/connections</c>
/// shows it: a connection the server is closing (replaced, faulted) says so until its socket ends,
/// so two entries that are not closing mean two live connections for one device.
/// </summary>
public sealed record ConnectionInfo(string Device, DateTimeOffset LoggedInAt, bool Closing);

/// <summary>A linked companion device as the control API shows it.</summary>
public sealed record DeviceInfo(string Jid, string Lid, int DeviceId, long KeyIndex, bool Online, int PreKeys, int Undelivered, bool Simulated = false);

/// <summary>The root key clients must trust, in hex.</summary>
public sealed record RootKeyInfo(string RootKey, string WebSocketUrl);

/// <summary>What a simulated phone received: decrypted messages and receipts for what it sent.</summary>
public sealed record PhoneInbox(IReadOnlyList<InboxEntry> Messages, IReadOnlyList<ReceiptInfo> Receipts);

/// <summary>
/// A message the phone received: its text if it has one, the whole message as protobuf JSON, or why
/// it did not decrypt; <see cref="TcToken"/> is <c>valid</c> or <c>invalid</c> when the stanza carried a
/// privacy token (checked against the one this phone issued to the sender), null when it had none.
/// </summary>
public sealed record InboxEntry(string From, string Id, string EncType, string? Text, string? Message, string? Error, DateTimeOffset Received, MediaInfo? Media,
    string? TcToken = null);

/// <summary>The phone's check of a message's media: fetched from the media host, hashes and MAC verified, decrypted.</summary>
public sealed record MediaInfo(string Kind, int Size, bool Verified, string? Error);

/// <summary>A receipt for a message the phone sent: who sent it, its type (<c>delivery</c>, <c>read</c>, <c>inactive</c>, <c>retry</c>…), and whether a retry carried the sender's keys.</summary>
public sealed record ReceiptInfo(string From, string Id, string Type, bool WithKeys = false);

/// <summary>Body of <c>POST /sim/groups</c>: a subject, the creating phone and the other member phones.</summary>
public sealed record CreateGroupRequest(string Subject, string Creator, IReadOnlyList<string>? Participants);

/// <summary>A group as the control API shows it.</summary>
public sealed record GroupInfo(string Jid, string Subject, string Creator, IReadOnlyList<string> Members);

/// <summary>
/// Body of <c>POST /sim/phones/{phone}/send</c>, to a number or a group JID. <see cref="Kind"/> is
/// <c>text</c> (default; <see cref="Text"/>), <c>reply</c> (<see cref="Text"/>, <see cref="QuotedId"/>),
/// <c>reaction</c> (<see cref="Text"/> = emoji, <see cref="QuotedId"/>), <c>location</c>
/// (<see cref="Latitude"/>, <see cref="Longitude"/>, <see cref="Name"/>), <c>contact</c>
/// (<see cref="Name"/>, <see cref="ContactPhone"/>), <c>poll</c> (<see cref="Name"/>,
/// <see cref="Options"/>), or a media kind — <c>image</c>, <c>video</c>, <c>audio</c>, <c>ptt</c> (voice note),
/// <c>document</c>, <c>sticker</c> — with <see cref="MediaBase64"/> (or <see cref="ImageBase64"/>), optional
/// <see cref="Mimetype"/>, caption in <see cref="Text"/>, file name in <see cref="Name"/>, duration in <see cref="Seconds"/>.
/// </summary>
public sealed record SendRequest(
    string To,
    string? Text,
    string? Kind = null,
    string? QuotedId = null,
    double? Latitude = null,
    double? Longitude = null,
    string? Name = null,
    string? ContactPhone = null,
    IReadOnlyList<string>? Options = null,
    string? ImageBase64 = null,
    string? Mimetype = null,
    string? MediaBase64 = null,
    uint? Seconds = null);

/// <summary>Answer of <c>POST /sim/phones/{phone}/send</c>: the new message's id.</summary>
public sealed record SentInfo(string Id);

/// <summary>One text of a <c>POST /sim/send-batch</c>: from a simulated phone to a number.</summary>
public sealed record BatchMessage(string From, string To, string? Text);

/// <summary>
/// Body of <c>POST /sim/send-batch</c>: texts from simulated phones to numbers, for load tests that
/// need thousands of inbound messages a second without one control call each. Each sender's
/// messages are sent in order; different senders in parallel.
/// </summary>
public sealed record SendBatchRequest(IReadOnlyList<BatchMessage>? Messages);

/// <summary>Answer of <c>POST /sim/send-batch</c>: the message ids, in the order of the request.</summary>
public sealed record SentBatchInfo(IReadOnlyList<string> Ids);

using System.Net.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WaOrleans.Protocol.Noise;
using WaOrleans.Protocol.Proto;
using WaOrleans.Protocol.Signal;

namespace WaOrleans.Protocol.Client;

/// <summary>
/// How a <see cref="WaClient"/> connects and identifies itself. The defaults talk to WhatsApp
/// itself; a simulator is selected only by setting <see cref="Endpoint"/> and <see cref="RootKey"/>.
/// </summary>
public sealed record WaClientOptions
{
    /// <summary>Gets the WebSocket endpoint (default <c>wss://web.whatsapp.com/ws/chat</c>).</summary>
    public Uri Endpoint { get; init; } = new(NoiseConstants.WebSocketUrl);

    /// <summary>Gets the root public key the server certificate chain must lead to (default WhatsApp's).</summary>
    public ReadOnlyMemory<byte> RootKey { get; init; } = NoiseConstants.WhatsAppRootKey.ToArray();

    /// <summary>Gets the Origin header sent with the WebSocket upgrade.</summary>
    public string Origin { get; init; } = NoiseConstants.Origin;

    /// <summary>Gets the WhatsApp Web version announced in the ClientPayload; the server refuses outdated ones with 405 (PROTOCOL.md §2.2).</summary>
    public Version Version { get; init; } = new(2, 3000, 1043857760);

    /// <summary>Gets the operating system name shown on the phone's Linked devices list (Baileys' <c>browser[0]</c>).</summary>
    public string OperatingSystem { get; init; } = "Mac OS";

    /// <summary>Gets the operating system version sent in DeviceProps.</summary>
    public Version OperatingSystemVersion { get; init; } = new(10, 15, 7);

    /// <summary>Gets the browser this device claims to be; it picks the icon on the phone and the QR platform id.</summary>
    public DeviceProps.Types.PlatformType Browser { get; init; } = DeviceProps.Types.PlatformType.Chrome;

    /// <summary>Gets the push name sent at login, or null.</summary>
    public string? PushName { get; init; }

    /// <summary>Gets the clock for timers, timeouts and timestamps.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Gets the randomness keys, codes and jitter are drawn from.</summary>
    public ISignalRandom Random { get; init; } = SystemSignalRandom.Instance;

    /// <summary>Gets how often keepalive pings go out.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = ClientConstants.DefaultKeepAliveInterval;

    /// <summary>Gets how long after <see cref="KeepAliveInterval"/> without any frame the connection counts as dead.</summary>
    public TimeSpan KeepAliveGrace { get; init; } = ClientConstants.DefaultKeepAliveGrace;

    /// <summary>Gets the first reconnect delay; each further attempt doubles it.</summary>
    public TimeSpan ReconnectBaseDelay { get; init; } = ClientConstants.DefaultReconnectBaseDelay;

    /// <summary>Gets the longest reconnect delay.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = ClientConstants.DefaultReconnectMaxDelay;

    /// <summary>Gets the share (0 to 1) of each reconnect delay that is randomized either way.</summary>
    public double ReconnectJitter { get; init; } = ClientConstants.DefaultReconnectJitter;

    /// <summary>Gets how long an iq waits for its answer.</summary>
    public TimeSpan QueryTimeout { get; init; } = ClientConstants.DefaultQueryTimeout;

    /// <summary>
    /// Gets how long after the first retry receipt a still undecryptable message is asked from our
    /// own phone (placeholder resend); <see cref="Timeout.InfiniteTimeSpan"/> never asks.
    /// </summary>
    public TimeSpan PlaceholderResendDelay { get; init; } = ClientConstants.DefaultPlaceholderResendDelay;

    /// <summary>Gets how long the first QR code is shown.</summary>
    public TimeSpan FirstQrLifetime { get; init; } = ClientConstants.DefaultFirstQrLifetime;

    /// <summary>Gets how long each later QR code is shown.</summary>
    public TimeSpan QrLifetime { get; init; } = ClientConstants.DefaultQrLifetime;

    /// <summary>
    /// Gets the HTTP handler media uploads and downloads go through (proxies, custom TLS), or null for
    /// a default handler. The client does not dispose it.
    /// </summary>
    public HttpMessageHandler? MediaHttpHandler { get; init; }

    /// <summary>
    /// Gets the check of the media host's TLS certificate for the default handler, or null to trust
    /// only the system's roots, as WhatsApp's media hosts need. Set it only to trust a test host.
    /// </summary>
    public RemoteCertificateValidationCallback? MediaCertificateValidation { get; init; }

    /// <summary>Gets how long one media upload or download may take.</summary>
    public TimeSpan MediaTimeout { get; init; } = ClientConstants.DefaultMediaTimeout;

    /// <summary>Gets the logger; it never receives keys or payloads.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>Describes the options by endpoint and version.</summary>
    public override string ToString() => $"WaClientOptions({Endpoint}, {Version})";
}

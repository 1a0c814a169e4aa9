namespace WaOrleans.Simulator;

/// <summary>How a <see cref="WaSimServer"/> listens, where it keeps its state, and its protocol timings.</summary>
public sealed class WaSimOptions
{
    /// <summary>Gets the TCP port on 127.0.0.1; 0 picks a free one (see <see cref="WaSimServer.BaseUri"/>).</summary>
    public int Port { get; init; }

    /// <summary>Gets the HTTPS port of the media host on 127.0.0.1 (self-signed certificate); 0 picks a free one.</summary>
    public int MediaPort { get; init; }

    /// <summary>
    /// Gets the folder holding the test certificate authority and the saved state (accounts, phones'
    /// Signal state, devices, groups, undelivered stanzas); <see langword="null"/> keeps everything in
    /// memory (tests), otherwise both are created at first start and loaded by every later start.
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>Gets how long the first QR ref of a <c>pair-device</c> is accepted by a scanning phone.</summary>
    public TimeSpan FirstQrRefLifetime { get; init; } = SimConstants.FirstQrRefLifetime;

    /// <summary>Gets how long each later QR ref is accepted.</summary>
    public TimeSpan QrRefLifetime { get; init; } = SimConstants.QrRefLifetime;

    /// <summary>Gets how long the server waits for a client's answer to a server iq (pair-success and the like).</summary>
    public TimeSpan ServerIqTimeout { get; init; } = SimConstants.ServerIqTimeout;

    /// <summary>Gets the clock used for QR expiry and stanza timestamps.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

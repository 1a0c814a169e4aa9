using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WaOrleans.Grains;
using WaOrleans.Simulator;

namespace WaOrleans.Silo.Demo;

/// <summary>
/// Drives WaSim's simulated phones through its control API on loopback: a new phone scans a
/// session's QR, and the demo contact sends messages to a session's number.
/// </summary>
internal sealed class DemoPhones : IDisposable
{
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _contactGate = new(1, 1);
    private bool _contactExists;

    /// <summary>Creates the client for the control API at <paramref name="simulator"/>.</summary>
    public DemoPhones(Uri simulator) =>
        _http = new HttpClient { BaseAddress = simulator, Timeout = DemoConstants.SimulatorTimeout };

    /// <summary>Creates a new simulated phone and scans <paramref name="qr"/> with it; the session pairs and connects.</summary>
    /// <returns>The phone number that now owns the session.</returns>
    /// <exception cref="GatewayException">WaSim refused the scan (an expired or unknown QR: <c>Conflict</c>).</exception>
    public async Task<string> ScanAsync(string qr, CancellationToken cancellationToken)
    {
        var phone = await CreatePhoneAsync(cancellationToken).ConfigureAwait(false);
        using var response = await _http.PostAsJsonAsync($"sim/phones/{phone}/scan", new ScanRequest(qr), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "qr_scan_failed", cancellationToken).ConfigureAwait(false);
        return phone;
    }

    /// <summary>Creates a new simulated phone that a session can ask a pairing code for.</summary>
    /// <returns>The new phone's number.</returns>
    public Task<string> NewPhoneAsync(CancellationToken cancellationToken) => CreatePhoneAsync(cancellationToken);

    /// <summary>Types <paramref name="code"/> on the simulated phone <paramref name="phone"/>, as a user does under Linked devices → Link with phone number.</summary>
    /// <exception cref="GatewayException">WaSim refused the code (no session waits for this phone: <c>NotFound</c>; a wrong code: <c>Conflict</c> or <c>Invalid</c>).</exception>
    public async Task EnterPairingCodeAsync(string phone, string code, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync($"sim/phones/{phone}/pair-code", new PairCodeRequest(code), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "pairing_code_failed", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Makes <paramref name="from"/> (the demo contact when null) send a text to <paramref name="to"/>.</summary>
    /// <returns>The sender's number and the WhatsApp message id.</returns>
    public async Task<(string From, string MessageId)> SendTextAsync(string? from, string to, string text, CancellationToken cancellationToken)
    {
        if (from is null)
        {
            await EnsureContactAsync(cancellationToken).ConfigureAwait(false);
            from = DemoConstants.ContactPhone;
        }

        using var response = await _http.PostAsJsonAsync($"sim/phones/{from}/send", new SendRequest(to, text), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "simulated_send_failed", cancellationToken).ConfigureAwait(false);
        var sent = await response.Content.ReadFromJsonAsync<SentInfo>(cancellationToken).ConfigureAwait(false);
        return (from, sent?.Id ?? "");
    }

    /// <summary>Disposes the HTTP client.</summary>
    public void Dispose()
    {
        _http.Dispose();
        _contactGate.Dispose();
    }

    private async Task<string> CreatePhoneAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < DemoConstants.PhoneAttempts; attempt++)
        {
            var phone = DemoConstants.PhonePrefix + Random.Shared.Next(0, 100_000).ToString("D5", CultureInfo.InvariantCulture);
            using var response = await _http.PostAsJsonAsync("sim/phones", new CreatePhoneRequest(phone, DemoConstants.PhoneName), cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Conflict)
            {
                await EnsureSuccessAsync(response, "simulated_phone_failed", cancellationToken).ConfigureAwait(false);
                return phone;
            }
        }

        throw new GatewayException(GatewayErrorKind.Unavailable, "simulated_phone_failed", "no free simulated phone number was found; try again");
    }

    /// <summary>Creates the demo contact unless WaSim already has it, so sessions can message it from the start.</summary>
    public async Task EnsureContactAsync(CancellationToken cancellationToken)
    {
        await _contactGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_contactExists)
            {
                // 409: WaSim kept the contact from an earlier demo run (its state is saved).
                using var response = await _http.PostAsJsonAsync("sim/phones", new CreatePhoneRequest(DemoConstants.ContactPhone, DemoConstants.ContactName), cancellationToken).ConfigureAwait(false);
                if (response.StatusCode != HttpStatusCode.Conflict)
                {
                    await EnsureSuccessAsync(response, "simulated_phone_failed", cancellationToken).ConfigureAwait(false);
                }

                _contactExists = true;
            }
        }
        finally
        {
            _contactGate.Release();
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string code, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        // WaSim answers problem details whose detail says what went wrong (expired QR, unknown phone…);
        // none of it is secret, and the demo user needs it to know what to click next.
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        string? detail;
        try
        {
            detail = JsonSerializer.Deserialize<SimProblem>(body, JsonSerializerOptions.Web)?.Detail;
        }
        catch (JsonException)
        {
            detail = null;
        }

        detail ??= response.ReasonPhrase ?? "the simulator refused the request";
        var kind = (int)response.StatusCode switch
        {
            400 => GatewayErrorKind.Invalid,
            404 => GatewayErrorKind.NotFound,
            409 or 410 => GatewayErrorKind.Conflict,
            _ => GatewayErrorKind.Unavailable,
        };
        throw new GatewayException(kind, code, "WaSim: " + detail);
    }

    private sealed record SimProblem(string? Detail);
}

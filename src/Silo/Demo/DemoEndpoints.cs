using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using WaOrleans.Grains;
using WaOrleans.Grains.Sessions;
using WaOrleans.Protocol.Binary;

namespace WaOrleans.Silo.Demo;

/// <summary>
/// The endpoints only the demo mode has (under <c>/api/demo</c>, admin only): a simulated phone
/// scans a session's QR or types its pairing code, and a simulated contact sends a session a message.
/// </summary>
internal static class DemoEndpoints
{
    /// <summary>Maps the demo endpoints; call it only in demo mode.</summary>
    public static RouteGroupBuilder MapDemoEndpoints(this IEndpointRouteBuilder app, DemoMode demo)
    {
        var group = app.MapGroup("/api/demo").WithTags("Demo");
        group.MapGet("/", () => TypedResults.Ok(new DemoInfo(true, DemoConstants.ContactPhone, DemoConstants.ContactName)))
            .WithName("GetDemo")
            .WithSummary("Says that the demo mode is on and which simulated contact to message.");
        group.MapPost("/sessions/{id}/scan", async (string id, IGrainFactory grains, CancellationToken cancellationToken) =>
            {
                var status = await FindAsync(grains, id).ConfigureAwait(false);
                if (status.Qr is not { Length: > 0 } qr)
                {
                    throw new GatewayException(GatewayErrorKind.Conflict, "no_qr",
                        $"session {id} shows no QR code (it is {status.State}); connect it with method qr first", "id");
                }

                var phone = await demo.Phones.ScanAsync(qr, cancellationToken).ConfigureAwait(false);
                return TypedResults.Ok(new DemoScanResult(id, phone));
            })
            .WithName("DemoScanQr")
            .WithSummary("Scans the session's current QR code with a new simulated phone; the session pairs and connects.");
        group.MapPost("/phones", async (CancellationToken cancellationToken) =>
                TypedResults.Ok(new DemoPhone(await demo.Phones.NewPhoneAsync(cancellationToken).ConfigureAwait(false))))
            .WithName("DemoNewPhone")
            .WithSummary("Creates a new simulated phone; ask a session for a pairing code for its number, then enter the code with pair-code.");
        group.MapPost("/sessions/{id}/pair-code", async (string id, DemoPairCodeRequest request, IGrainFactory grains, CancellationToken cancellationToken) =>
            {
                var phone = RequirePhone(request.Phone, "phone")
                    ?? throw new GatewayException(GatewayErrorKind.Invalid, "invalid_phone", "phone is required: the simulated phone the session asked a pairing code for", "phone");
                if (string.IsNullOrWhiteSpace(request.Code) || request.Code.Length > DemoConstants.MaxPairingCodeLength)
                {
                    throw new GatewayException(GatewayErrorKind.Invalid, "invalid_code",
                        $"code is required: the pairing code the session shows (at most {DemoConstants.MaxPairingCodeLength} characters)", "code");
                }

                var status = await FindAsync(grains, id).ConfigureAwait(false);
                if (status.State != SessionState.PairingCode)
                {
                    throw new GatewayException(GatewayErrorKind.Conflict, "no_pairing_code",
                        $"session {id} shows no pairing code (it is {status.State}); connect it with method pairing_code first", "id");
                }

                await demo.Phones.EnterPairingCodeAsync(phone, request.Code, cancellationToken).ConfigureAwait(false);
                return TypedResults.Ok(new DemoScanResult(id, phone));
            })
            .WithName("DemoEnterPairingCode")
            .WithSummary("Types the session's pairing code on the simulated phone it was asked for; the session pairs and connects.");
        group.MapPost("/sessions/{id}/incoming", async (string id, DemoIncomingRequest request, IGrainFactory grains, CancellationToken cancellationToken) =>
            {
                if (string.IsNullOrWhiteSpace(request.Text) || request.Text.Length > DemoConstants.MaxTextLength)
                {
                    throw new GatewayException(GatewayErrorKind.Invalid, "invalid_text",
                        $"text is required and at most {DemoConstants.MaxTextLength} characters", "text");
                }

                var from = RequirePhone(request.From, "from");

                var status = await FindAsync(grains, id).ConfigureAwait(false);
                if (status.MeJid is null || !Jid.TryParse(status.MeJid, out var me))
                {
                    throw new GatewayException(GatewayErrorKind.Conflict, "session_not_paired",
                        $"session {id} is not paired yet; scan its QR with the simulated phone first", "id");
                }

                var (sender, messageId) = await demo.Phones.SendTextAsync(from, me.User, request.Text, cancellationToken).ConfigureAwait(false);
                return TypedResults.Ok(new DemoIncomingResult(id, sender, messageId));
            })
            .WithName("DemoIncomingMessage")
            .WithSummary("Makes a simulated contact (the demo contact unless from is given) send the session a text.");
        return group;
    }

    /// <summary>Gets a simulated phone's digits from <paramref name="value"/>, null when it is null; a typed error when it is not a number.</summary>
    private static string? RequirePhone(string? value, string field)
    {
        var phone = value?.Trim().TrimStart('+');
        if (phone is not null && (phone.Length is 0 or > DemoConstants.MaxPhoneDigits || !phone.All(char.IsAsciiDigit)))
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "invalid_phone",
                $"{field} must be a simulated phone's number: 1 to {DemoConstants.MaxPhoneDigits} digits, optionally after a +", field);
        }

        return phone;
    }

    private static async Task<SessionStatus> FindAsync(IGrainFactory grains, string id) =>
        await grains.GetGrain<ISessionGrain>(id).FindAsync().ConfigureAwait(false)
        ?? throw new GatewayException(GatewayErrorKind.NotFound, "session_not_found", $"no session {id}", "id");
}

/// <summary>The demo mode's description: on, and the simulated contact that messages sessions.</summary>
/// <param name="Enabled">Always true (the endpoint exists only in demo mode).</param>
/// <param name="ContactPhone">The simulated contact's number; send messages to it from a session.</param>
/// <param name="ContactName">The simulated contact's push name.</param>
internal sealed record DemoInfo(bool Enabled, string ContactPhone, string ContactName);

/// <summary>Answer of a demo scan: the simulated phone that now owns the session.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="Phone">The simulated phone's number.</param>
internal sealed record DemoScanResult(string SessionId, string Phone);

/// <summary>Body of a demo incoming message.</summary>
/// <param name="Text">The text to send to the session.</param>
/// <param name="From">The simulated phone that sends it; the demo contact when null.</param>
internal sealed record DemoIncomingRequest(string Text, string? From = null);

/// <summary>Answer of a demo incoming message.</summary>
/// <param name="SessionId">The session that receives it.</param>
/// <param name="From">The number that sent it.</param>
/// <param name="MessageId">The WhatsApp message id.</param>
internal sealed record DemoIncomingResult(string SessionId, string From, string MessageId);

/// <summary>A new simulated phone.</summary>
/// <param name="Phone">Its number: ask a session for a pairing code for it.</param>
internal sealed record DemoPhone(string Phone);

/// <summary>Body of a demo pairing-code entry.</summary>
/// <param name="Phone">The simulated phone the session asked a pairing code for.</param>
/// <param name="Code">The code the session shows, with or without its dash.</param>
internal sealed record DemoPairCodeRequest(string Phone, string Code);

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Crypto;

namespace WaOrleans.Simulator;

/// <summary>The HTTP control API under <c>/sim</c>: phones, pairing, unlink, fault injection.</summary>
public sealed partial class WaSimServer
{
    /// <summary>The longest phone number E.164 allows.</summary>
    private const int MaxPhoneDigits = 15;

    /// <summary>The most messages one <c>POST /sim/send-batch</c> carries: enough for 1,000 messages/s at a few calls per second, small enough to bound one request.</summary>
    private const int MaxBatchMessages = 1000;

    private void MapControlApi(IEndpointRouteBuilder app)
    {
        var sim = app.MapGroup("/sim");
        sim.MapGet("/root-key", () => TypedResults.Ok(new RootKeyInfo(Convert.ToHexStringLower(_ca.RootPublicKey), WebSocketUri.ToString())));
        sim.MapPost("/phones", (CreatePhoneRequest request) => Handle(async () =>
        {
            var phone = NormalizePhone(request.Phone);
            var identity = Curve25519.GenerateKeyPair();
            var signal = await PhoneSignal.CreateAsync(identity, Options.TimeProvider, State.MarkChanged).ConfigureAwait(false);
            if (request.Companions is < 0 or > MaxSimulatedCompanions)
            {
                throw new SimRequestException(400, $"companions must be between 0 and {MaxSimulatedCompanions}");
            }

            var account = State.CreateAccount(phone, request.PushName ?? "Sim " + phone, identity, signal)
                ?? throw new SimRequestException(409, $"phone {phone} already exists");
            await AddSimulatedCompanionsAsync(account, request.Companions ?? 0).ConfigureAwait(false);
            return (IResult)TypedResults.Created($"/sim/phones/{phone}", Describe(account));
        }));
        sim.MapGet("/phones/{phone}", (string phone) => Handle(() =>
            Task.FromResult<IResult>(TypedResults.Ok(Describe(RequireAccount(phone))))));
        sim.MapPost("/phones/{phone}/devices", (string phone, ProvisionDeviceRequest request) => Handle(() =>
            Task.FromResult<IResult>(TypedResults.Created($"/sim/phones/{phone}", Describe(ProvisionDevice(RequireAccount(phone), request))))));
        sim.MapPost("/phones/{phone}/scan", (string phone, ScanRequest request, CancellationToken cancellationToken) => Handle(async () =>
            (IResult)TypedResults.Ok(Describe(await ScanQrAsync(RequireAccount(phone), request.Qr, cancellationToken).ConfigureAwait(false)))));
        sim.MapPost("/phones/{phone}/pair-code", (string phone, PairCodeRequest request, CancellationToken cancellationToken) => Handle(async () =>
            (IResult)TypedResults.Ok(Describe(await EnterPairingCodeAsync(RequireAccount(phone), request.Code, cancellationToken).ConfigureAwait(false)))));
        sim.MapGet("/phones/{phone}/connections", (string phone) => Handle(() =>
        {
            var account = RequireAccount(phone);
            return Task.FromResult<IResult>(TypedResults.Ok(DescribeConnections(account)));
        }));
        sim.MapGet("/phones/{phone}/inbox", (string phone) => Handle(() =>
        {
            var account = RequireAccount(phone);
            lock (State.Sync)
            {
                return Task.FromResult<IResult>(TypedResults.Ok(new PhoneInbox(
                    [.. account.Inbox.Select(Describe)],
                    [.. account.Receipts.Select(r => new ReceiptInfo(r.From.ToString(), r.Id, r.Type ?? "delivery", r.WithKeys))])));
            }
        }));
        sim.MapGet("/phones/{phone}/companions/{device}/inbox", (string phone, int device) => Handle(() =>
        {
            var peer = RequirePeer(RequireAccount(phone), device);
            lock (State.Sync)
            {
                return Task.FromResult<IResult>(TypedResults.Ok(new PhoneInbox([.. peer.Inbox.Select(Describe)], [])));
            }
        }));
        sim.MapPost("/phones/{phone}/forget-session", (string phone, ForgetSessionRequest request) => Handle(async () =>
        {
            var account = RequireAccount(phone);
            if (!Jid.TryParse(request.Jid, out var device) || State.FindAccount(device) is not { } owner)
            {
                throw new SimRequestException(400, "jid must be a device JID of a known account");
            }

            // Both spellings: the phone keys sessions by the LID, but a PN session may exist too.
            await account.Signal.ResetSessionAsync(PhoneSignalAddress(owner.Lid.WithDevice(device.Device))).ConfigureAwait(false);
            await account.Signal.ResetSessionAsync(PhoneSignalAddress(owner.PhoneJid.WithDevice(device.Device))).ConfigureAwait(false);
            return (IResult)TypedResults.NoContent();
        }));
        sim.MapPost("/phones/{phone}/retries", (string phone, RetrySettingsRequest request) => Handle(() =>
        {
            var account = RequireAccount(phone);
            lock (State.Sync)
            {
                account.IgnoreRetries = !request.Answer;
                account.SendNoRetries = request.Send is { } send ? !send : account.SendNoRetries;
            }

            return Task.FromResult<IResult>(TypedResults.NoContent());
        }));
        sim.MapPost("/phones/{phone}/companions", (string phone, AddCompanionsRequest request) => Handle(async () =>
        {
            var account = RequireAccount(phone);
            int existing;
            lock (State.Sync)
            {
                existing = account.Companions.Count(d => d.Peer is not null);
            }

            if (request.Count < 1 || existing + request.Count > MaxSimulatedCompanions)
            {
                throw new SimRequestException(400, $"a phone has at most {MaxSimulatedCompanions} simulated companions");
            }

            var added = await AddSimulatedCompanionsAsync(account, request.Count).ConfigureAwait(false);
            if (request.Notify ?? true)
            {
                await NotifyDevicesChangedAsync(account, "add", added).ConfigureAwait(false);
            }

            return (IResult)TypedResults.Ok(Describe(account));
        }));
        sim.MapPost("/phones/{phone}/unlink", (string phone, UnlinkRequest? request) => Handle(async () =>
        {
            var account = RequireAccount(phone);
            List<SimDevice> devices;
            lock (State.Sync)
            {
                devices = [.. account.Companions.Where(d => request?.Device is null || d.DeviceId == request.Device)];
            }

            foreach (var device in devices)
            {
                await UnlinkAsync(device).ConfigureAwait(false);
            }

            await NotifyDevicesChangedAsync(account, "remove", [.. devices.Select(d => d.DeviceId)]).ConfigureAwait(false);
            return (IResult)TypedResults.Ok(devices.Select(d => d.Jid.ToString()).ToList());
        }));
        sim.MapPost("/phones/{phone}/send", (string phone, SendRequest request) => Handle(async () =>
        {
            var account = RequireAccount(phone);
            var group = Jid.TryParse(request.To, out var to) && to.IsGroup;
            var chat = group ? to : new Jid(NormalizePhone(request.To), JidServer.PhoneNumber);
            var message = PhoneMessageBuilder.Build(request, chat.ToString(), Media, MediaUri, Options.TimeProvider.GetUtcNow());
            var id = group
                ? await SendGroupFromPhoneAsync(account, chat, message).ConfigureAwait(false)
                : await SendFromPhoneAsync(account, chat.User, message).ConfigureAwait(false);
            return (IResult)TypedResults.Ok(new SentInfo(id));
        }));
        sim.MapPost("/send-batch", (SendBatchRequest request) => Handle(async () =>
        {
            var messages = request.Messages ?? [];
            if (messages.Count is 0 or > MaxBatchMessages)
            {
                throw new SimRequestException(400, $"a batch carries 1 to {MaxBatchMessages} messages");
            }

            var ids = new string[messages.Count];
            // One sender's messages go out in order; different senders in parallel, as separate phones would.
            await Task.WhenAll(messages.Select((m, i) => (m, i)).GroupBy(x => NormalizePhone(x.m.From)).Select(async sender =>
            {
                var account = RequireAccount(sender.Key);
                foreach (var (m, i) in sender)
                {
                    var message = PhoneMessageBuilder.Build(new SendRequest(m.To, m.Text), new Jid(NormalizePhone(m.To), JidServer.PhoneNumber).ToString(),
                        Media, MediaUri, Options.TimeProvider.GetUtcNow());
                    ids[i] = await SendFromPhoneAsync(account, NormalizePhone(m.To), message).ConfigureAwait(false);
                }
            })).ConfigureAwait(false);
            return (IResult)TypedResults.Ok(new SentBatchInfo(ids));
        }));
        sim.MapPost("/groups", (CreateGroupRequest request) => Handle(() =>
        {
            var creator = RequireAccount(request.Creator);
            var members = (request.Participants ?? []).Select(RequireAccount).ToList();
            var group = CreateGroup(request.Subject, creator, members);
            return Task.FromResult<IResult>(TypedResults.Created($"/sim/groups/{group.Jid}", Describe(group)));
        }));
        sim.MapGet("/groups/{jid}", (string jid) => Handle(() =>
            Task.FromResult<IResult>(Jid.TryParse(jid, out var groupJid) && State.FindGroup(groupJid) is { } group
                ? TypedResults.Ok(Describe(group))
                : throw new SimRequestException(404, $"no group {jid}"))));
        sim.MapPost("/devices/{jid}/fault", (string jid, FaultRequest request) => Handle(async () =>
        {
            await InjectFaultAsync(jid, request).ConfigureAwait(false);
            return (IResult)TypedResults.NoContent();
        }));
    }

    /// <summary>Links a companion without a pairing flow, for load tests and multi-device fixtures; the caller logs in with the given Noise key.</summary>
    private SimDevice ProvisionDevice(SimAccount account, ProvisionDeviceRequest request)
    {
        var noiseKey = DecodeKey(request.NoiseKey, "noiseKey");
        var identity = request.IdentityKey is null ? Curve25519.GenerateKeyPair().PublicKeyBytes() : DecodeKey(request.IdentityKey, "identityKey");
        lock (State.Sync)
        {
            var (deviceId, keyIndex) = account.ReserveDeviceSlot();
            var device = new SimDevice(account, deviceId, keyIndex, noiseKey,
                new SignalRegistration(request.RegistrationId ?? 1, identity, 1, new byte[Curve25519.KeySize], new byte[Curve25519.SignatureSize]));
            account.AddCompanion(device);
            State.MarkChanged();
            return device;
        }
    }

    private static byte[] DecodeKey(string? base64, string name)
    {
        var key = new byte[Curve25519.KeySize];
        return Convert.TryFromBase64String(base64 ?? "", key, out var written) && written == Curve25519.KeySize
            ? key
            : throw new SimRequestException(400, $"{name} must be a base64 32-byte public key");
    }

    private static async Task<IResult> Handle(Func<Task<IResult>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (SimRequestException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: ex.StatusCode);
        }
    }

    private SimAccount RequireAccount(string phone) =>
        State.FindAccount(NormalizePhone(phone)) ?? throw new SimRequestException(404, $"no simulated phone {phone}");

    private static string NormalizePhone(string? phone)
    {
        var digits = (phone ?? "").Trim().TrimStart('+');
        if (digits.Length is 0 or > MaxPhoneDigits || !digits.All(char.IsAsciiDigit) || digits[0] == '0')
        {
            throw new SimRequestException(400, "a phone number is 1 to 15 digits, not starting with 0, optionally after a +");
        }

        return digits;
    }

    private PhoneInfo Describe(SimAccount account)
    {
        lock (State.Sync)
        {
            return new PhoneInfo(account.Phone, account.PhoneJid.ToString(), account.Lid.ToString(), account.PushName,
                Convert.ToBase64String(account.Identity.PublicKey),
                [.. account.Companions.OrderBy(d => d.DeviceId).Select(DescribeDevice)], account.BundlesServed);
        }
    }

    private GroupInfo Describe(SimGroup group)
    {
        lock (State.Sync)
        {
            return new GroupInfo(group.Jid.ToString(), group.Subject, group.Creator.Phone, [.. group.Members.Select(m => m.Phone)]);
        }
    }

    private DeviceInfo Describe(SimDevice device)
    {
        lock (State.Sync)
        {
            return DescribeDevice(device);
        }
    }

    private static InboxEntry Describe(PhoneInboxEntry e) =>
        new(e.From.ToString(), e.Id, e.EncType, TextOf(e.Message), e.Message?.ToString(), e.Error, e.Received,
            e.Media is { } m ? new MediaInfo(m.Kind, m.Size, m.Error is null, m.Error) : null, e.TcToken);

    private static string? TextOf(Protocol.Proto.Message? message)
    {
        var inner = message?.DeviceSentMessage?.Message ?? message;
        return inner is null ? null
            : inner.HasConversation ? inner.Conversation
            : inner.ExtendedTextMessage?.Text ?? inner.ImageMessage?.Caption ?? inner.VideoMessage?.Caption;
    }

    private static DeviceInfo DescribeDevice(SimDevice device) =>
        new(device.Jid.ToString(), device.Lid.ToString(), device.DeviceId, device.KeyIndex, device.Connection is not null, device.PreKeys.Count, device.Undelivered.Count, device.Peer is not null);
}

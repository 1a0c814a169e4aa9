using System.Security.Cryptography;
using Google.Protobuf;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Proto;
using WaOrleans.Protocol.Signal;

namespace WaOrleans.Simulator;

/// <summary>The simulated phone as a Signal peer: it decrypts what companions send it and sends texts of its own.</summary>
public sealed partial class WaSimServer
{
    /// <summary>Random bytes in a phone-made message id, after WhatsApp's <c>3EB0</c> prefix.</summary>
    private const int MessageIdEntropy = 8;

    /// <summary>Sends a text from <paramref name="account"/>'s phone to every companion of <paramref name="toPhone"/>; returns the message id.</summary>
    internal async Task<string> SendFromPhoneAsync(SimAccount account, string toPhone, string text)
    {
        var target = State.FindAccount(toPhone) ?? throw new SimRequestException(404, $"{toPhone} is not on WhatsApp");
        List<SimDevice> devices;
        lock (State.Sync)
        {
            devices = [.. target.Companions];
        }

        var id = "3EB0" + Convert.ToHexString(RandomNumberGenerator.GetBytes(MessageIdEntropy));
        _messageSenders[id] = account.PhoneJid;
        var plaintext = new Message { Conversation = text }.ToByteArray();
        var now = Options.TimeProvider.GetUtcNow();
        foreach (var device in devices)
        {
            var address = SignalAddress.ForUser(target.LidUser, SignalUserDomain.Lid, new DeviceId(device.DeviceId));
            var encrypted = await account.Signal.EncryptAsync(address, () => TakeBundle(device), plaintext).ConfigureAwait(false);
            var enc = Stanza.Make("enc", encrypted.Body,
                ("v", "2"), ("type", encrypted.Type == CiphertextType.PreKey ? "pkmsg" : "msg"));
            // Phones address LID peers from their own LID and name their number, as the real server relays them.
            var message = Stanza.Make("message", NodeContent.FromChildren(enc),
                ("from", account.Lid), ("id", id), ("type", "text"), ("t", Stanza.Number(now.ToUnixTimeSeconds())),
                ("notify", account.PushName), ("sender_pn", account.PhoneJid));
            await DeliverAsync(target, device.DeviceId, message, now).ConfigureAwait(false);
        }

        return id;
    }

    private async Task ReceiveOnPhoneAsync(SimAccount account, Node message, DateTimeOffset now)
    {
        if (!message.Attrs.TryGetValue("from", out var fromValue) || !fromValue.TryGetJid(out var from))
        {
            return;
        }

        var id = message.GetAttr("id") ?? "";
        foreach (var enc in message.GetChildren("enc"))
        {
            var type = enc.GetAttr("type") ?? "";
            Message? decrypted = null;
            string? error = null;
            if (!enc.Content.TryGetBytes(out var ciphertext) || type is not ("pkmsg" or "msg"))
            {
                error = $"the phone does not decrypt {type} messages";
            }
            else
            {
                var address = SignalAddress.ForUser(from.User, from.IsLid ? SignalUserDomain.Lid : SignalUserDomain.WhatsApp, new DeviceId(from.Device));
                try
                {
                    decrypted = Message.Parser.ParseFrom(await account.Signal.DecryptAsync(address, type, ciphertext.ToArray()).ConfigureAwait(false));
                }
                catch (Exception ex) when (ex is SignalProtocolException or InvalidProtocolBufferException)
                {
                    error = ex.Message;
                }
            }

            lock (State.Sync)
            {
                account.Inbox.Add(new PhoneInboxEntry(from, id, type, decrypted, error, now));
            }
        }
    }

    private PreKeyBundle TakeBundle(SimDevice device)
    {
        lock (State.Sync)
        {
            BundlePreKey? preKey = null;
            if (device.PreKeys.Count > 0)
            {
                var keyId = device.PreKeys.Keys.Min();
                preKey = new BundlePreKey(new PreKeyId(keyId), device.PreKeys[keyId]);
                device.PreKeys.Remove(keyId);
            }

            var registration = device.Registration;
            return new PreKeyBundle(new RegistrationId(registration.RegistrationId), new DeviceId(device.DeviceId),
                new SignedPreKeyId(registration.SignedPreKeyId), registration.SignedPreKey, registration.SignedPreKeySignature,
                IdentityKey.FromBytes(registration.IdentityKey), preKey);
        }
    }
}

using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Proto;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Signal.State;

namespace WaOrleans.Protocol.Store;

/// <summary>
/// Imports a Baileys auth folder (<c>useMultiFileAuthState</c>: <c>creds.json</c> plus one JSON
/// file per key, buffers as BufferJSON <c>{"type":"Buffer","data":…}</c>) into a store, so a
/// device linked by a Baileys-based gateway keeps working without a new QR scan. Imported: the
/// credentials (Noise, identity, signed prekey, ADV secret and account, JIDs), the one-time
/// prekeys, pairwise Signal sessions (libsignal-node's format, converted) and LID mappings. Not
/// imported: group sender keys, app-state keys and device lists; sender keys are distributed
/// again by peers, device lists fetched again by USync.
/// </summary>
public static class BaileysAuthImport
{
    /// <summary>Baileys' file for the credentials.</summary>
    private const string CredsFile = "creds.json";

    /// <summary>Baileys' prefix of one-time prekey files: <c>pre-key-{id}.json</c>.</summary>
    private const string PreKeyPrefix = "pre-key-";

    /// <summary>Baileys' prefix of Signal session files: <c>session-{address}.json</c>, libsignal-node's record.</summary>
    private const string SessionPrefix = "session-";

    /// <summary>Baileys' prefix of LID mapping files: <c>lid-mapping-{pn user}.json</c> holds the LID user.</summary>
    private const string LidMappingPrefix = "lid-mapping-";

    /// <summary>The suffix of Baileys' reverse LID mapping files, which repeat the forward ones.</summary>
    private const string ReverseSuffix = "_reverse";

    /// <summary>
    /// Reads the folder and writes credentials, prekeys and LID mappings into <paramref name="store"/>.
    /// </summary>
    /// <returns>The imported credentials, already saved.</returns>
    /// <exception cref="InvalidDataException">The folder is not a paired Baileys auth state, or a key does not match its stored public half.</exception>
    public static async Task<DeviceCredentials> ImportAsync(string folder, IDeviceStore store, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        DeviceCredentials credentials;
        try
        {
            credentials = ReadCredentials(await ReadJsonAsync(Path.Combine(folder, CredsFile), cancellationToken).ConfigureAwait(false),
                (time ?? TimeProvider.System).GetUtcNow());
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException or JsonException or CryptoException)
        {
            // Each names the malformed field; the message carries no key material.
            throw new InvalidDataException("creds.json is not a Baileys auth state: " + ex.Message, ex);
        }

        await store.SaveCredentialsAsync(credentials, cancellationToken).ConfigureAwait(false);
        var signal = await store.OpenSignalStoreAsync(credentials, cancellationToken).ConfigureAwait(false);
        await signal.StoreSignedPreKeyAsync(credentials.SignedPreKey, cancellationToken).ConfigureAwait(false);
        foreach (var file in Directory.EnumerateFiles(folder, PreKeyPrefix + "*.json"))
        {
            var id = uint.Parse(Path.GetFileNameWithoutExtension(file).AsSpan(PreKeyPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture);
            using var json = await ReadJsonAsync(file, cancellationToken).ConfigureAwait(false);
            await signal.StorePreKeyAsync(new PreKeyRecord(new PreKeyId(id), ReadKeyPair(json.RootElement, "pre-key " + id)), cancellationToken).ConfigureAwait(false);
        }

        foreach (var file in Directory.EnumerateFiles(folder, SessionPrefix + "*.json"))
        {
            var address = SignalAddress.Parse(Path.GetFileNameWithoutExtension(file)[SessionPrefix.Length..]);
            using var json = await ReadJsonAsync(file, cancellationToken).ConfigureAwait(false);
            if (json.RootElement.ValueKind == JsonValueKind.Object)
            {
                var session = BaileysSessionImport.Convert(json.RootElement, credentials.IdentityKey, credentials.RegistrationId);
                await signal.StoreSessionAsync(address, session, cancellationToken).ConfigureAwait(false);
            }
        }

        if (credentials.Me is { } me && credentials.MeLid is { } meLid)
        {
            await store.Lids.StoreMappingAsync(meLid.WithoutDevice(), me.WithoutDevice(), cancellationToken).ConfigureAwait(false);
        }

        foreach (var file in Directory.EnumerateFiles(folder, LidMappingPrefix + "*.json"))
        {
            var user = Path.GetFileNameWithoutExtension(file)[LidMappingPrefix.Length..];
            using var json = await ReadJsonAsync(file, cancellationToken).ConfigureAwait(false);
            if (user.EndsWith(ReverseSuffix, StringComparison.Ordinal) || json.RootElement.ValueKind != JsonValueKind.String)
            {
                continue;
            }

            await store.Lids.StoreMappingAsync(new Jid(json.RootElement.GetString()!, JidServer.Lid), new Jid(user, JidServer.PhoneNumber), cancellationToken)
                .ConfigureAwait(false);
        }

        return credentials;
    }

    private static DeviceCredentials ReadCredentials(JsonDocument document, DateTimeOffset now)
    {
        using (document)
        {
            var creds = document.RootElement;
            if (!creds.TryGetProperty("me", out var me) || me.ValueKind != JsonValueKind.Object
                || !me.TryGetProperty("id", out var id) || !Jid.TryParse(id.GetString(), out var meJid))
            {
                throw new InvalidDataException("creds.json has no me.id: the Baileys device was never paired");
            }

            var identity = new IdentityKeyPair(ReadKeyPair(creds.GetProperty("signedIdentityKey"), "signedIdentityKey"));
            var signed = creds.GetProperty("signedPreKey");
            var account = creds.GetProperty("account");
            return new DeviceCredentials
            {
                NoiseKey = ReadKeyPair(creds.GetProperty("noiseKey"), "noiseKey"),
                IdentityKey = identity,
                RegistrationId = new RegistrationId(creds.GetProperty("registrationId").GetUInt32()),
                SignedPreKey = new SignedPreKeyRecord(new SignedPreKeyId(signed.GetProperty("keyId").GetUInt32()),
                    ReadKeyPair(signed.GetProperty("keyPair"), "signedPreKey"), ReadBuffer(signed.GetProperty("signature")), now),
                AdvSecret = Convert.FromBase64String(creds.GetProperty("advSecretKey").GetString() ?? ""),
                PairingEphemeralKey = ReadKeyPair(creds.GetProperty("pairingEphemeralKeyPair"), "pairingEphemeralKeyPair"),
                Me = meJid,
                MeLid = me.TryGetProperty("lid", out var lid) && Jid.TryParse(lid.GetString(), out var meLid) ? meLid : null,
                PushName = me.TryGetProperty("name", out var name) ? name.GetString() : null,
                Platform = creds.TryGetProperty("platform", out var platform) ? platform.GetString() : null,
                Account = new ADVSignedDeviceIdentity
                {
                    Details = ByteString.CopyFrom(ReadBuffer(account.GetProperty("details"))),
                    AccountSignatureKey = ByteString.CopyFrom(ReadBuffer(account.GetProperty("accountSignatureKey"))),
                    AccountSignature = ByteString.CopyFrom(ReadBuffer(account.GetProperty("accountSignature"))),
                    DeviceSignature = ByteString.CopyFrom(ReadBuffer(account.GetProperty("deviceSignature"))),
                }.ToByteArray(),
                NextPreKeyId = creds.GetProperty("nextPreKeyId").GetUInt32(),
                FirstUnuploadedPreKeyId = creds.GetProperty("firstUnuploadedPreKeyId").GetUInt32(),
            };
        }
    }

    /// <summary>Reads a Baileys key pair (<c>{private, public}</c>, 32 bytes each) and checks the halves belong together.</summary>
    private static KeyPair ReadKeyPair(JsonElement element, string what)
    {
        var pair = Curve25519.FromPrivateKey(ReadBuffer(element.GetProperty("private")));
        var stored = ReadBuffer(element.GetProperty("public"));

        // libsignal-node keeps some public keys with their 0x05 type byte; the key is the last 32 bytes.
        if (!pair.PublicKey.SequenceEqual(stored.AsSpan(stored.Length - Curve25519.KeySize)))
        {
            throw new InvalidDataException($"the {what} private key does not match its public key");
        }

        return pair;
    }

    /// <summary>Reads a BufferJSON buffer: <c>{"type":"Buffer","data":"base64"}</c>, or the older array of byte values.</summary>
    private static byte[] ReadBuffer(JsonElement element)
    {
        var data = element.ValueKind == JsonValueKind.Object ? element.GetProperty("data") : element;
        return data.ValueKind switch
        {
            JsonValueKind.String => Convert.FromBase64String(data.GetString()!),
            JsonValueKind.Array => [.. data.EnumerateArray().Select(b => b.GetByte())],
            _ => throw new InvalidDataException("a buffer is neither base64 nor an array of bytes"),
        };
    }

    private static async Task<JsonDocument> ReadJsonAsync(string path, CancellationToken cancellationToken)
    {
        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            return await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }
}

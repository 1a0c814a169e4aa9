using System.Text.Json;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Store;

namespace WaOrleans.Client.Tests.Store;

/// <summary>The Baileys auth import's checks on folders it must refuse; the happy path is proven end to end in BaileysPeerInteropTests.</summary>
public sealed class BaileysAuthImportTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("baileys-auth-").FullName;

    [Fact]
    public async Task An_unpaired_folder_is_refused()
    {
        await WriteCredsAsync(me: null, identityPublic: null);
        await Assert.ThrowsAsync<InvalidDataException>(() => BaileysAuthImport.ImportAsync(_folder, new InMemoryDeviceStore()));
    }

    [Fact]
    public async Task A_key_whose_halves_do_not_match_is_refused()
    {
        await WriteCredsAsync(me: new { id = "15550106001:1@s.whatsapp.net", lid = "100000000000009:1@lid" }, identityPublic: new byte[32]);
        await Assert.ThrowsAsync<InvalidDataException>(() => BaileysAuthImport.ImportAsync(_folder, new InMemoryDeviceStore()));
    }

    [Fact]
    public async Task Buffers_as_base64_or_byte_arrays_both_import_with_prekeys_and_lid_mappings()
    {
        await WriteCredsAsync(me: new { id = "15550106001:1@s.whatsapp.net", lid = "100000000000009:1@lid" }, identityPublic: null);
        var preKey = Curve25519.GenerateKeyPair();
        await File.WriteAllTextAsync(Path.Combine(_folder, "pre-key-7.json"), JsonSerializer.Serialize(new
        {
            @private = new { type = "Buffer", data = preKey.PrivateKeyBytes().Select(b => (int)b).ToArray() },
            @public = Buffer(preKey.PublicKeyBytes()),
        }));
        await File.WriteAllTextAsync(Path.Combine(_folder, "lid-mapping-15550106002.json"), "\"100000000000010\"");
        await File.WriteAllTextAsync(Path.Combine(_folder, "lid-mapping-100000000000010_reverse.json"), "\"15550106002\"");
        var store = new InMemoryDeviceStore();

        var credentials = await BaileysAuthImport.ImportAsync(_folder, store);

        Assert.Equal(credentials.Serialize(), (await store.LoadCredentialsAsync())!.Serialize());
        var signal = await store.OpenSignalStoreAsync(credentials);
        Assert.Equal(preKey.PublicKeyBytes(), (await signal.LoadPreKeyAsync(new Protocol.Signal.PreKeyId(7)))!.KeyPair.PublicKeyBytes());
        Assert.Equal("15550106002@s.whatsapp.net", (await store.Lids.GetPhoneNumberAsync(Protocol.Binary.Jid.Parse("100000000000010@lid")))?.ToString());
        Assert.DoesNotContain("Buffer", credentials.ToString(), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static object Buffer(byte[] bytes) => new { type = "Buffer", data = Convert.ToBase64String(bytes) };

    private static object Pair(KeyPair pair, byte[]? publicOverride = null) =>
        new { @private = Buffer(pair.PrivateKeyBytes()), @public = Buffer(publicOverride ?? pair.PublicKeyBytes()) };

    private Task WriteCredsAsync(object? me, byte[]? identityPublic)
    {
        var identity = Curve25519.GenerateKeyPair();
        var signed = Curve25519.GenerateKeyPair();
        var creds = new
        {
            noiseKey = Pair(Curve25519.GenerateKeyPair()),
            pairingEphemeralKeyPair = Pair(Curve25519.GenerateKeyPair()),
            signedIdentityKey = Pair(identity, identityPublic),
            signedPreKey = new { keyPair = Pair(signed), signature = Buffer(new byte[64]), keyId = 1 },
            registrationId = 1234,
            advSecretKey = Convert.ToBase64String(new byte[32]),
            me,
            account = new { details = Buffer([1]), accountSignatureKey = Buffer(new byte[32]), accountSignature = Buffer(new byte[64]), deviceSignature = Buffer(new byte[64]) },
            platform = "android",
            nextPreKeyId = 31,
            firstUnuploadedPreKeyId = 31,
        };
        return File.WriteAllTextAsync(Path.Combine(_folder, "creds.json"), JsonSerializer.Serialize(creds));
    }
}

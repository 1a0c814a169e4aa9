using System.Text;
using System.Text.Json;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Protocol.Store;

namespace WaOrleans.Grains.Sessions;

/// <summary>Moving a device linked by a Baileys-based gateway into this session, without a new QR scan (issues 5 and 7).</summary>
public sealed partial class SessionGrain
{
    /// <summary>The field that names the import's files in errors.</summary>
    private const string FilesField = "files";

    /// <summary>Baileys' credentials file, which every auth folder has.</summary>
    private const string CredsFile = "creds.json";

    /// <inheritdoc/>
    public async Task<SessionStatus> ImportBaileysAuthAsync(IReadOnlyDictionary<string, string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        RequireExists();
        if (_client is not null || await _store.LoadCredentialsAsync() is not null)
        {
            throw new GatewayException(GatewayErrorKind.Conflict, "session_already_paired",
                $"session {SessionId} already holds a linked device or is online: log it out first, or import into a new session");
        }

        ValidateImport(files);
        var folder = Directory.CreateTempSubdirectory("waorleans-baileys-");
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                folder.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            }

            foreach (var (name, json) in files)
            {
                await WritePrivateFileAsync(Path.Combine(folder.FullName, name), json);
            }

            DeviceCredentials credentials;
            await using (var work = await _store.BeginUnitOfWorkAsync())
            {
                credentials = await ImportFolderAsync(folder.FullName);
                await work.CommitAsync();
            }

            _status = _status with { MeJid = credentials.Me?.ToString(), MeLid = credentials.MeLid?.ToString(), Reason = null, Qr = null, PairingCode = null };
            await SaveStatusAsync();
            _logger.ImportedBaileysAuth(SessionId, files.Count, _status.MeJid);
            return CurrentStatus();
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Checks names, count, size and that every file is JSON, before anything touches the disk.</summary>
    private static void ValidateImport(IReadOnlyDictionary<string, string> files)
    {
        if (files.Count is 0 or > SessionConstants.MaxImportFiles)
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "invalid_files", $"give 1 to {SessionConstants.MaxImportFiles} files of a Baileys auth folder", FilesField);
        }

        long total = 0;
        foreach (var (name, json) in files)
        {
            if (!IsSafeFileName(name))
            {
                throw new GatewayException(GatewayErrorKind.Invalid, "invalid_file_name",
                    "file names must be plain *.json names of the auth folder, without path separators", FilesField);
            }

            var field = $"{FilesField}[\"{name}\"]";
            total += Encoding.UTF8.GetByteCount(json ?? "");
            if (total > SessionConstants.MaxImportBytes)
            {
                throw new GatewayException(GatewayErrorKind.Invalid, "files_too_large", $"the files exceed {SessionConstants.MaxImportBytes} bytes in all", FilesField);
            }

            try
            {
                using var document = JsonDocument.Parse(json ?? "");
                if (name == CredsFile && document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new GatewayException(GatewayErrorKind.Invalid, "invalid_baileys_auth", "creds.json must be a JSON object", field);
                }
            }
            catch (JsonException)
            {
                // The parser's message can quote the text, which is key material: say only where.
                throw new GatewayException(GatewayErrorKind.Invalid, "invalid_json", $"{name} is not JSON", field);
            }
        }

        if (!files.ContainsKey(CredsFile))
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "missing_creds", "a Baileys auth folder has a creds.json", $"{FilesField}[\"{CredsFile}\"]");
        }
    }

    private static bool IsSafeFileName(string name) =>
        name is { Length: > 5 and <= 255 }
        && name.EndsWith(".json", StringComparison.Ordinal)
        && name.IndexOfAny(['/', '\\', '\0', ':']) < 0
        && !name.StartsWith('.')
        && Path.GetFileName(name) == name;

    private static async Task WritePrivateFileAsync(string path, string json)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var stream = new FileStream(path, options);
        await using (stream)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(json));
        }
    }

    /// <summary>Runs the import; a file it cannot read is the caller's error, named without its content.</summary>
    private async Task<DeviceCredentials> ImportFolderAsync(string folder)
    {
        try
        {
            return await BaileysAuthImport.ImportAsync(folder, _store);
        }
        catch (InvalidDataException e) when (e.Message.StartsWith(CredsFile, StringComparison.Ordinal))
        {
            throw new GatewayException(GatewayErrorKind.Invalid, "invalid_baileys_auth", e.Message, $"{FilesField}[\"{CredsFile}\"]");
        }
        catch (Exception e) when (e is InvalidDataException or KeyNotFoundException or InvalidOperationException or FormatException
            or JsonException or ArgumentException or CryptoException or OverflowException)
        {
            // Messages of these name fields and key ids, never key bytes (BaileysAuthImport's contract);
            // a JsonException's can quote text, so it gets a fixed one.
            var message = e is JsonException ? "a key file is not in Baileys' format" : e.Message;
            throw new GatewayException(GatewayErrorKind.Invalid, "invalid_baileys_auth", "the folder is not a paired Baileys auth state: " + message, FilesField);
        }
    }
}

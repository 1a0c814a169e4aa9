using System.Data.Common;
using WaOrleans.Grains.Storage;

namespace WaOrleans.Grains.Tenants;

/// <summary>
/// The <c>tenants</c> and <c>api_keys</c> tables behind the API. Stateless: every call reads or
/// writes the database, so any silo answers and nothing needs invalidating but the key cache.
/// </summary>
[Orleans.Concurrency.StatelessWorker]
public sealed class TenantDirectoryGrain(DeviceStorage storage, TimeProvider time) : Grain, ITenantDirectoryGrain
{
    private const string KeyColumns = "id, kind, tenant_id, session_id, name, prefix, created_at, last_used_at, revoked_at";

    /// <inheritdoc/>
    public async Task<TenantInfo> CreateTenantAsync(TenantSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        TenantRules.ValidateTenantId(spec.TenantId, "tenantId");
        TenantRules.ValidateName(spec.Name, "name");
        TenantRules.ValidateLimit(spec.MaxSessions, "maxSessions");
        TenantRules.ValidateLimit(spec.DailyMessageLimit, "dailyMessageLimit");
        var tenant = new TenantInfo
        {
            TenantId = spec.TenantId,
            Name = spec.Name ?? spec.TenantId,
            MaxSessions = spec.MaxSessions,
            DailyMessageLimit = spec.DailyMessageLimit,
            CreatedAt = Now(),
        };
        var connection = await storage.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand(
                null,
                "INSERT INTO tenants (tenant_id, name, max_sessions, daily_message_limit, created_at) VALUES (@id, @name, @max, @daily, @at) ON CONFLICT (tenant_id) DO NOTHING")
                .With("@id", tenant.TenantId)
                .With("@name", tenant.Name)
                .With("@max", (object?)tenant.MaxSessions ?? DBNull.Value)
                .With("@daily", (object?)tenant.DailyMessageLimit ?? DBNull.Value)
                .With("@at", tenant.CreatedAt.ToUnixTimeMilliseconds());
            if (await command.ExecuteNonQueryAsync() == 0)
            {
                throw new GatewayException(GatewayErrorKind.Conflict, "tenant_exists", $"tenant '{spec.TenantId}' already exists", "tenantId");
            }
        }

        return tenant;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<TenantInfo>> ListTenantsAsync() => await QueryTenantsAsync(null);

    /// <inheritdoc/>
    public async Task<TenantInfo?> GetTenantAsync(string tenantId) =>
        string.IsNullOrEmpty(tenantId) ? null : (await QueryTenantsAsync(tenantId)).FirstOrDefault();

    /// <inheritdoc/>
    public async Task<CreatedApiKey> CreateKeyAsync(ApiKeySpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        TenantRules.ValidateName(spec.Name, "name");
        switch (spec.Kind)
        {
            case ApiKeyKind.Admin:
                spec = spec with { TenantId = null, SessionId = null };
                break;
            case ApiKeyKind.Tenant:
                spec = spec with { SessionId = null };
                break;
            case ApiKeyKind.Session when string.IsNullOrWhiteSpace(spec.SessionId):
                throw new GatewayException(GatewayErrorKind.Invalid, "missing_field", "a session key needs the session id", "sessionId");
        }

        if (spec.Kind != ApiKeyKind.Admin)
        {
            if (string.IsNullOrWhiteSpace(spec.TenantId))
            {
                throw new GatewayException(GatewayErrorKind.Invalid, "missing_field", "a tenant or session key needs the tenant id", "tenantId");
            }

            if (await GetTenantAsync(spec.TenantId) is null)
            {
                throw new GatewayException(GatewayErrorKind.NotFound, "tenant_not_found", $"tenant '{spec.TenantId}' does not exist", "tenantId");
            }
        }

        var connection = await storage.OpenConnectionAsync();
        await using (connection)
        {
            return await InsertKeyAsync(connection, null, ApiKeys.NewId(TenantConstants.KeyIdPrefix), spec);
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ApiKeyInfo>> ListKeysAsync(string? tenantId)
    {
        var connection = await storage.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = tenantId is null
                ? connection.CreateCommand(null, $"SELECT {KeyColumns} FROM api_keys ORDER BY created_at DESC, id")
                : connection.CreateCommand(null, $"SELECT {KeyColumns} FROM api_keys WHERE tenant_id = @tenant ORDER BY created_at DESC, id").With("@tenant", tenantId);
            return await ReadKeysAsync(command);
        }
    }

    /// <inheritdoc/>
    public async Task<bool> RevokeKeyAsync(string? tenantId, string keyId)
    {
        var connection = await storage.OpenConnectionAsync();
        await using (connection)
        {
            var transaction = await storage.BeginTransactionAsync(connection);
            await using (transaction)
            {
                if (await FindKeyAsync(connection, transaction, tenantId, keyId) is not { } found || found.Info.RevokedAt is not null)
                {
                    return false;
                }

                await RevokeAsync(connection, transaction, found);
                await transaction.CommitAsync();
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public async Task<CreatedApiKey?> RotateKeyAsync(string? tenantId, string keyId)
    {
        var connection = await storage.OpenConnectionAsync();
        await using (connection)
        {
            var transaction = await storage.BeginTransactionAsync(connection);
            await using (transaction)
            {
                if (await FindKeyAsync(connection, transaction, tenantId, keyId) is not { } found || found.Info.RevokedAt is not null)
                {
                    return null;
                }

                await RevokeAsync(connection, transaction, found);
                var spec = new ApiKeySpec { Kind = found.Info.Kind, TenantId = found.Info.TenantId, SessionId = found.Info.SessionId, Name = found.Info.Name };
                var created = await InsertKeyAsync(connection, transaction, ApiKeys.NewId(TenantConstants.KeyIdPrefix), spec);
                await transaction.CommitAsync();
                return created;
            }
        }
    }

    /// <inheritdoc/>
    public async Task<string?> EnsureAdminKeyAsync(string? configuredHash, string? configuredPrefix)
    {
        var connection = await storage.OpenConnectionAsync();
        await using (connection)
        {
            var transaction = await storage.BeginTransactionAsync(connection);
            await using (transaction)
            {
                string? generated = null;
                string? replacedHash = null;
                if (configuredHash is not null)
                {
                    replacedHash = await UpsertConfiguredAdminKeyAsync(connection, transaction, configuredHash, configuredPrefix ?? "");
                }
                else if (!await HasActiveAdminKeyAsync(connection, transaction))
                {
                    var key = ApiKeys.Generate();
                    await using var insert = connection.CreateCommand(
                        transaction,
                        "INSERT INTO api_keys (id, kind, prefix, hash, name, created_at) VALUES (@id, @kind, @prefix, @hash, @name, @at) ON CONFLICT (id) DO NOTHING")
                        .With("@id", TenantConstants.GeneratedAdminKeyId)
                        .With("@kind", KindWord(ApiKeyKind.Admin))
                        .With("@prefix", ApiKeys.PrefixOf(key))
                        .With("@hash", ApiKeys.Hash(key))
                        .With("@name", "generated at first start")
                        .With("@at", Now().ToUnixTimeMilliseconds());
                    generated = await insert.ExecuteNonQueryAsync() == 1 ? key : null;
                }

                await transaction.CommitAsync();
                if (replacedHash is not null)
                {
                    await GrainFactory.GetGrain<IApiKeyGrain>(replacedHash).InvalidateAsync();
                }

                return generated;
            }
        }
    }

    /// <inheritdoc/>
    public async Task CheckDatabaseAsync()
    {
        var connection = await storage.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand(null, "SELECT 1");
            await command.ExecuteScalarAsync();
        }
    }

    /// <summary>Gets the word a kind is stored as.</summary>
    internal static string KindWord(ApiKeyKind kind) => kind switch
    {
        ApiKeyKind.Admin => "admin",
        ApiKeyKind.Tenant => "tenant",
        _ => "session",
    };

    /// <summary>Parses a stored kind word.</summary>
    internal static ApiKeyKind ParseKind(string word) => word switch
    {
        "admin" => ApiKeyKind.Admin,
        "tenant" => ApiKeyKind.Tenant,
        _ => ApiKeyKind.Session,
    };

    /// <summary>Reads an <see cref="ApiKeyInfo"/> from a row of <see cref="KeyColumns"/>, starting at <paramref name="offset"/>.</summary>
    internal static ApiKeyInfo ReadKey(DbDataReader reader, int offset = 0) => new()
    {
        Id = reader.GetString(offset),
        Kind = ParseKind(reader.GetString(offset + 1)),
        TenantId = reader.IsDBNull(offset + 2) ? null : reader.GetString(offset + 2),
        SessionId = reader.IsDBNull(offset + 3) ? null : reader.GetString(offset + 3),
        Name = reader.IsDBNull(offset + 4) ? null : reader.GetString(offset + 4),
        Prefix = reader.GetString(offset + 5),
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(offset + 6)),
        LastUsedAt = reader.IsDBNull(offset + 7) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(offset + 7)),
        RevokedAt = reader.IsDBNull(offset + 8) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(offset + 8)),
    };

    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());

    private async Task<List<TenantInfo>> QueryTenantsAsync(string? tenantId)
    {
        var connection = await storage.OpenConnectionAsync();
        await using (connection)
        {
            const string select = "SELECT tenant_id, name, max_sessions, daily_message_limit, created_at FROM tenants";
            await using var command = tenantId is null
                ? connection.CreateCommand(null, select + " ORDER BY tenant_id")
                : connection.CreateCommand(null, select + " WHERE tenant_id = @id").With("@id", tenantId);
            await using var reader = await command.ExecuteReaderAsync();
            var tenants = new List<TenantInfo>();
            while (await reader.ReadAsync())
            {
                tenants.Add(new TenantInfo
                {
                    TenantId = reader.GetString(0),
                    Name = reader.GetString(1),
                    MaxSessions = reader.IsDBNull(2) ? null : (int)reader.GetInt64(2),
                    DailyMessageLimit = reader.IsDBNull(3) ? null : (int)reader.GetInt64(3),
                    CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                });
            }

            return tenants;
        }
    }

    private async Task<CreatedApiKey> InsertKeyAsync(DbConnection connection, DbTransaction? transaction, string id, ApiKeySpec spec)
    {
        var key = ApiKeys.Generate();
        var info = new ApiKeyInfo
        {
            Id = id,
            Kind = spec.Kind,
            TenantId = spec.TenantId,
            SessionId = spec.SessionId,
            Name = spec.Name,
            Prefix = ApiKeys.PrefixOf(key),
            CreatedAt = Now(),
        };
        await using var command = connection.CreateCommand(
            transaction,
            "INSERT INTO api_keys (id, kind, tenant_id, session_id, name, prefix, hash, created_at) VALUES (@id, @kind, @tenant, @session, @name, @prefix, @hash, @at)")
            .With("@id", info.Id)
            .With("@kind", KindWord(info.Kind))
            .With("@tenant", (object?)info.TenantId ?? DBNull.Value)
            .With("@session", (object?)info.SessionId ?? DBNull.Value)
            .With("@name", (object?)info.Name ?? DBNull.Value)
            .With("@prefix", info.Prefix)
            .With("@hash", ApiKeys.Hash(key))
            .With("@at", info.CreatedAt.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync();
        return new CreatedApiKey { Info = info, Key = key };
    }

    private static async Task<(ApiKeyInfo Info, string Hash)?> FindKeyAsync(DbConnection connection, DbTransaction transaction, string? tenantId, string keyId)
    {
        await using var command = connection.CreateCommand(transaction, $"SELECT {KeyColumns}, hash FROM api_keys WHERE id = @id").With("@id", keyId);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }

        var info = ReadKey(reader);
        return tenantId is not null && info.TenantId != tenantId ? null : (info, reader.GetString(9));
    }

    private async Task RevokeAsync(DbConnection connection, DbTransaction transaction, (ApiKeyInfo Info, string Hash) key)
    {
        if (key.Info.Id == TenantConstants.ConfiguredAdminKeyId)
        {
            throw new GatewayException(GatewayErrorKind.Conflict, "configured_key", "the admin key from configuration is changed in the configuration (WaOrleans:AdminKey), not through the API");
        }

        await using (var command = connection.CreateCommand(transaction, "UPDATE api_keys SET revoked_at = @at WHERE id = @id")
            .With("@at", Now().ToUnixTimeMilliseconds())
            .With("@id", key.Info.Id))
        {
            await command.ExecuteNonQueryAsync();
        }

        // The cache drop comes before the commit: a request racing it reads the row again and,
        // at worst, waits for the commit under SQLite's lock or sees the key once more in PostgreSQL.
        await GrainFactory.GetGrain<IApiKeyGrain>(key.Hash).InvalidateAsync();
    }

    private async Task<string?> UpsertConfiguredAdminKeyAsync(DbConnection connection, DbTransaction transaction, string hash, string prefix)
    {
        string? oldHash;
        await using (var select = connection.CreateCommand(transaction, "SELECT hash FROM api_keys WHERE id = @id").With("@id", TenantConstants.ConfiguredAdminKeyId))
        {
            oldHash = await select.ExecuteScalarAsync() as string;
        }

        if (oldHash == hash)
        {
            return null;
        }

        await using (var delete = connection.CreateCommand(transaction, "DELETE FROM api_keys WHERE id = @id OR hash = @hash")
            .With("@id", TenantConstants.ConfiguredAdminKeyId)
            .With("@hash", hash))
        {
            await delete.ExecuteNonQueryAsync();
        }

        await using (var insert = connection.CreateCommand(
            transaction,
            "INSERT INTO api_keys (id, kind, prefix, hash, name, created_at) VALUES (@id, @kind, @prefix, @hash, @name, @at)")
            .With("@id", TenantConstants.ConfiguredAdminKeyId)
            .With("@kind", KindWord(ApiKeyKind.Admin))
            .With("@prefix", prefix)
            .With("@hash", hash)
            .With("@name", "from configuration")
            .With("@at", Now().ToUnixTimeMilliseconds()))
        {
            await insert.ExecuteNonQueryAsync();
        }

        return oldHash;
    }

    private static async Task<bool> HasActiveAdminKeyAsync(DbConnection connection, DbTransaction transaction)
    {
        await using var command = connection.CreateCommand(transaction, "SELECT COUNT(*) FROM api_keys WHERE kind = 'admin' AND revoked_at IS NULL");
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    private static async Task<IReadOnlyList<ApiKeyInfo>> ReadKeysAsync(DbCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<ApiKeyInfo>();
        while (await reader.ReadAsync())
        {
            keys.Add(ReadKey(reader));
        }

        return keys;
    }
}

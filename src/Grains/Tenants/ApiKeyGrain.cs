using WaOrleans.Grains.Storage;

namespace WaOrleans.Grains.Tenants;

/// <summary>
/// The cache of one key's principal, keyed by the key's hash: the first request reads the
/// <c>api_keys</c> row, later ones are answered from memory until a revoke or rotate drops it.
/// </summary>
/// <remarks>
/// Unknown keys are cached as null too, so a client retrying a wrong key does not cost a query
/// each time; a key created later has a different hash, so no stale null can hide it.
/// </remarks>
public sealed class ApiKeyGrain(DeviceStorage storage, TimeProvider time) : Grain, IApiKeyGrain
{
    private Task<(ApiPrincipal? Principal, bool Found)>? _loading;
    private DateTimeOffset _lastUsedWritten = DateTimeOffset.MinValue;

    /// <inheritdoc/>
    public async Task<ApiPrincipal?> AuthenticateAsync()
    {
        var loading = _loading ??= LoadAsync();
        ApiPrincipal? principal;
        try
        {
            (principal, _) = await loading;
        }
        catch
        {
            // A failed read (database down) must not be cached: the next request tries again.
            if (ReferenceEquals(_loading, loading))
            {
                _loading = null;
            }

            throw;
        }

        if (principal is not null && time.GetUtcNow() - _lastUsedWritten > TenantConstants.LastUsedResolution)
        {
            _lastUsedWritten = time.GetUtcNow();
            await TouchAsync(principal.KeyId, _lastUsedWritten);
        }

        return principal;
    }

    /// <inheritdoc/>
    public Task InvalidateAsync()
    {
        _loading = null;
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    private async Task<(ApiPrincipal?, bool)> LoadAsync()
    {
        var connection = await storage.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand(null, "SELECT id, kind, tenant_id, session_id FROM api_keys WHERE hash = @hash AND revoked_at IS NULL")
                .With("@hash", this.GetPrimaryKeyString());
            await using var reader = await command.ExecuteReaderAsync();
            if (!await reader.ReadAsync())
            {
                return (null, false);
            }

            return (new ApiPrincipal
            {
                KeyId = reader.GetString(0),
                Kind = TenantDirectoryGrain.ParseKind(reader.GetString(1)),
                TenantId = reader.IsDBNull(2) ? null : reader.GetString(2),
                SessionId = reader.IsDBNull(3) ? null : reader.GetString(3),
            }, true);
        }
    }

    private async Task TouchAsync(string keyId, DateTimeOffset at)
    {
        var connection = await storage.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand(null, "UPDATE api_keys SET last_used_at = @at WHERE id = @id")
                .With("@at", at.ToUnixTimeMilliseconds())
                .With("@id", keyId);
            await command.ExecuteNonQueryAsync();
        }
    }
}

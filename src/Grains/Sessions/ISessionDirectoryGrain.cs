using Orleans.Concurrency;

namespace WaOrleans.Grains.Sessions;

/// <summary>Lists sessions from the database without waking them. Use key 0.</summary>
[Alias("WaOrleans.ISessionDirectoryGrain")]
public interface ISessionDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Lists the sessions of a tenant, or of every tenant when <paramref name="tenantId"/> is null, by id.</summary>
    [Alias("ListAsync"), ReadOnly]
    Task<IReadOnlyList<SessionStatus>> ListAsync(string? tenantId);

    /// <summary>Counts the sessions of a tenant (for the session quota).</summary>
    [Alias("CountAsync"), ReadOnly]
    Task<int> CountAsync(string tenantId);
}

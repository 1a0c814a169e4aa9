using Orleans.Concurrency;
using WaOrleans.Grains.Storage;

namespace WaOrleans.Grains.Sessions;

/// <summary>
/// Lists sessions from the <c>sessions</c> table without waking them: a list shows the stored
/// status (QR strings and pairing codes live only in a session's activation).
/// </summary>
[StatelessWorker]
public sealed class SessionDirectoryGrain(DeviceStorage storage) : Grain, ISessionDirectoryGrain
{
    private readonly SessionTable _table = new(storage, TimeProvider.System);

    /// <inheritdoc/>
    public Task<IReadOnlyList<SessionStatus>> ListAsync(string? tenantId) => _table.ListAsync(tenantId, default);

    /// <inheritdoc/>
    public async Task<int> CountAsync(string tenantId) => (int)await _table.CountAsync(tenantId, default);
}

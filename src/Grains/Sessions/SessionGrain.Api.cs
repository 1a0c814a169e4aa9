using WaOrleans.Grains.Messages;

namespace WaOrleans.Grains.Sessions;

// Contract landed first so the API, webhook and broadcast work can build against it; the session
// work replaces every member here with the real implementation.
public sealed partial class SessionGrain
{
    /// <inheritdoc/>
    public Task<SessionStatus> CreateAsync(CreateSessionRequest request) => throw new NotImplementedException();

    /// <inheritdoc/>
    public Task<SessionStatus?> FindAsync() => throw new NotImplementedException();

    /// <inheritdoc/>
    public Task<SessionStatus> UpdateAsync(SessionPatch patch) => throw new NotImplementedException();

    /// <inheritdoc/>
    public Task DeleteAsync() => throw new NotImplementedException();

    /// <inheritdoc/>
    public Task<SessionStatus> RestartAsync() => throw new NotImplementedException();

    /// <inheritdoc/>
    public Task<SendMessageResult> SendAsync(SendMessageRequest request) => throw new NotImplementedException();

    /// <inheritdoc/>
    public Task<IReadOnlyList<NumberCheck>> CheckNumbersAsync(IReadOnlyList<string> phones) => throw new NotImplementedException();

    /// <inheritdoc/>
    public Task<IReadOnlyList<GroupInfo>> GetGroupsAsync() => throw new NotImplementedException();

    /// <inheritdoc/>
    public Task<GroupInfo> GetGroupAsync(string groupJid) => throw new NotImplementedException();

    /// <inheritdoc/>
    public Task<SessionProfile> GetProfileAsync() => throw new NotImplementedException();

    /// <inheritdoc/>
    public Task<MediaContent> DownloadMediaAsync(string messageId) => throw new NotImplementedException();
}

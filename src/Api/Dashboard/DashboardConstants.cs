namespace WaOrleans.Api.Dashboard;

/// <summary>The dashboard's fixed values.</summary>
internal static class DashboardConstants
{
    /// <summary>The manifest name prefix of the embedded files (the LogicalName given in Api.csproj).</summary>
    public const string ResourcePrefix = "WaOrleans.Dashboard.";

    /// <summary>How many bytes of the SHA-256 make an ETag: 64 bits tell versions of three files apart.</summary>
    public const int EtagBytes = 8;

    /// <summary>The name prefix of the admin keys a password sign-in creates, so operators can tell them apart in the key list.</summary>
    public const string LoginKeyName = "dashboard sign-in: ";

    /// <summary>The pause before a refused sign-in answers: at most a few guesses a second per connection.</summary>
    public static readonly TimeSpan FailedLoginDelay = TimeSpan.FromSeconds(1);
}

using System.Data.Common;
using System.Globalization;

namespace WaOrleans.Grains.Webhooks;

/// <summary>A row of the <c>webhooks</c> table, secret included (it never leaves the silo except in <see cref="ToInfo"/> when asked).</summary>
internal sealed record WebhookRow
{
    /// <summary>The columns in the order <see cref="Read"/> expects.</summary>
    public const string Columns = "id, tenant_id, session_id, url, url_normalized, events, secret, enabled, disabled_reason, failing_since, created_at, updated_at";

    public required string Id { get; init; }

    public required string TenantId { get; init; }

    public string? SessionId { get; init; }

    public required string Url { get; init; }

    public required string UrlNormalized { get; init; }

    public required IReadOnlyList<string> Events { get; init; }

    public required string Secret { get; init; }

    public bool Enabled { get; init; }

    public string? DisabledReason { get; init; }

    public DateTimeOffset? FailingSince { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Reads a row selected with <see cref="Columns"/>.</summary>
    public static WebhookRow Read(DbDataReader reader) => new()
    {
        Id = reader.GetString(0),
        TenantId = reader.GetString(1),
        SessionId = Db.NullableString(reader, 2),
        Url = reader.GetString(3),
        UrlNormalized = reader.GetString(4),
        Events = WebhookEventFilter.Parse(reader.GetString(5)),
        Secret = reader.GetString(6),
        Enabled = Db.Int64(reader, 7) != 0,
        DisabledReason = Db.NullableString(reader, 8),
        FailingSince = Db.NullableTime(reader, 9),
        CreatedAt = Db.Time(reader, 10),
        UpdatedAt = Db.Time(reader, 11),
    };

    /// <summary>Gets the API shape, with the secret only when <paramref name="showSecret"/> (a creation or a secret change).</summary>
    public WebhookInfo ToInfo(bool showSecret) => new()
    {
        Id = Id,
        TenantId = TenantId,
        SessionId = SessionId,
        Url = Url,
        Events = Events,
        Enabled = Enabled,
        Secret = showSecret ? Secret : null,
        DisabledReason = DisabledReason,
        CreatedAt = CreatedAt,
        FailingSince = FailingSince,
    };

    /// <summary>Prints the id and URL only: the secret must never reach a log.</summary>
    public override string ToString() => $"WebhookRow({Id}, {Url})";
}

/// <summary>Column readers shared by the webhook tables: SQLite and PostgreSQL hand integers back as different CLR types.</summary>
internal static class Db
{
    public static string? NullableString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static long Int64(DbDataReader reader, int ordinal) => Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    public static long? NullableInt64(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : Int64(reader, ordinal);

    public static DateTimeOffset Time(DbDataReader reader, int ordinal) => DateTimeOffset.FromUnixTimeMilliseconds(Int64(reader, ordinal));

    public static DateTimeOffset? NullableTime(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(Int64(reader, ordinal));

    public static object OrNull(object? value) => value ?? DBNull.Value;
}

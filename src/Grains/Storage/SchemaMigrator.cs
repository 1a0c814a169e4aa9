using System.Data.Common;
using System.Globalization;
using System.Reflection;

namespace WaOrleans.Grains.Storage;

/// <summary>One numbered schema change: the SQL of an embedded <c>NNNN_name.sql</c> script.</summary>
internal sealed record SchemaMigration(int Version, string Name, string Sql);

/// <summary>
/// Applies the embedded migration scripts of one provider that a database has not seen yet, in
/// version order, each recorded in <c>schema_migrations</c>; running it again changes nothing.
/// </summary>
/// <remarks>
/// Everything runs in one transaction that first takes the provider's migration lock, so silos
/// starting together apply each script once, and a failing script leaves the schema as it was.
/// </remarks>
internal sealed class SchemaMigrator(string resourcePrefix, Func<DbConnection, DbTransaction, CancellationToken, Task> takeLockAsync)
{
    private const string CreateTableSql = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    BIGINT NOT NULL PRIMARY KEY,
            name       TEXT   NOT NULL,
            applied_at TEXT   NOT NULL
        )
        """;

    private const string SelectVersionsSql = "SELECT version FROM schema_migrations";

    private const string InsertVersionSql = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @applied_at)";

    /// <summary>Gets the migrations shipped in this assembly for the provider, by version.</summary>
    public IReadOnlyList<SchemaMigration> Migrations { get; } = Load(resourcePrefix);

    /// <summary>Applies the missing migrations; returns how many were applied.</summary>
    public async Task<int> ApplyAsync(DbConnection connection, DbTransaction transaction, TimeProvider time, CancellationToken cancellationToken)
    {
        await takeLockAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await using (var create = connection.CreateCommand(transaction, CreateTableSql))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var applied = new HashSet<long>();
        await using (var select = connection.CreateCommand(transaction, SelectVersionsSql))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                applied.Add(reader.GetInt64(0));
            }
        }

        var count = 0;
        foreach (var migration in Migrations.Where(m => !applied.Contains(m.Version)))
        {
            await using (var script = connection.CreateCommand(transaction, migration.Sql))
            {
                await script.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var record = connection.CreateCommand(transaction, InsertVersionSql)
                .With("@version", (long)migration.Version)
                .With("@name", migration.Name)
                .With("@applied_at", time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture)))
            {
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            count++;
        }

        return count;
    }

    private static List<SchemaMigration> Load(string prefix)
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var migrations = new List<SchemaMigration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var fileName = resource[prefix.Length..];
            var underscore = fileName.IndexOf('_', StringComparison.Ordinal);
            if (underscore <= 0 || !int.TryParse(fileName.AsSpan(0, underscore), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                throw new InvalidOperationException($"migration script '{resource}' is not named NNNN_name.sql");
            }

            migrations.Add(new SchemaMigration(version, Path.GetFileNameWithoutExtension(fileName[(underscore + 1)..]), ReadText(assembly, resource)));
        }

        if (migrations.Count == 0)
        {
            throw new InvalidOperationException($"no migration scripts are embedded under '{prefix}'");
        }

        // Applied versions are recorded by number, so two scripts sharing one would silently skip
        // the second: refuse to start instead.
        if (migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1) is { } clash)
        {
            throw new InvalidOperationException(
                $"migrations {string.Join(" and ", clash.Select(m => m.Name))} share version {clash.Key:D4} under '{prefix}'");
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        return migrations;
    }

    private static string ReadText(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"migration script '{resource}' cannot be read");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

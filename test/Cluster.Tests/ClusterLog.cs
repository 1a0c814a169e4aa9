using System.Globalization;
using System.Text;

namespace WaOrleans.Cluster.Tests;

/// <summary>
/// Reads the silo logs deploy/cluster.sh writes (one line per entry, UTC "HH:mm:ss.fff" first)
/// to show where a failover's time went: death declared, supervisor reacting, activation, login.
/// </summary>
public static class ClusterLog
{
    // (label, marker) pairs: Orleans' eviction line, the supervisor's line, the session's epoch line, WaClient's login.
    private static readonly (string Label, string Marker)[] Milestones =
    [
        ("declared dead", "Evicting '"),
        ("supervisor", "[2007]"),
        ("activated", "[2001]"),
        ("logged in", "WaClient[1002]"),
    ];

    /// <summary>Gets "declared dead +2.8 s, supervisor +2.9 s, …": the first time each milestone appears after <paramref name="since"/>.</summary>
    public static string Phases(string clusterDirectory, DateTime since)
    {
        var lines = Entries(clusterDirectory, since).ToList();
        var report = new StringBuilder();
        foreach (var (label, marker) in Milestones)
        {
            var first = lines.Where(l => l.Text.Contains(marker, StringComparison.Ordinal)).Select(l => (DateTime?)l.At).Min();
            report.Append(CultureInfo.InvariantCulture, $"{label} {(first is { } at ? $"+{(at - since).TotalSeconds:F1} s" : "never")}; ");
        }

        return report.ToString().TrimEnd(' ', ';');
    }

    /// <summary>Gets the log entries of every silo at or after <paramref name="since"/> (UTC) whose text contains <paramref name="marker"/>.</summary>
    public static IReadOnlyList<(DateTime At, string Silo, string Text)> Find(string clusterDirectory, DateTime since, string marker) =>
        [.. Entries(clusterDirectory, since).Where(l => l.Text.Contains(marker, StringComparison.Ordinal)).OrderBy(l => l.At)];

    private static IEnumerable<(DateTime At, string Silo, string Text)> Entries(string clusterDirectory, DateTime since)
    {
        foreach (var file in Directory.GetFiles(clusterDirectory, "silo*.log"))
        {
            var silo = Path.GetFileNameWithoutExtension(file);
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (line.Length < 12 || !TimeSpan.TryParseExact(line[..12], @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture, out var time))
                {
                    continue;
                }

                var at = since.Date + time;
                // A log line from just before midnight read just after it.
                if (at > since.AddHours(12))
                {
                    at = at.AddDays(-1);
                }

                if (at >= since)
                {
                    yield return (at, silo, line);
                }
            }
        }
    }
}

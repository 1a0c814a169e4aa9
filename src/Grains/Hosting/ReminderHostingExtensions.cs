using Microsoft.Extensions.DependencyInjection;
using WaOrleans.Grains.Storage.Sqlite;

namespace WaOrleans.Grains.Hosting;

/// <summary>Chooses where a silo keeps its Orleans reminders.</summary>
public static class ReminderHostingExtensions
{
    /// <summary>
    /// Keeps reminders in the embedded SQLite database of <see cref="SqliteStorage"/>, so a
    /// single node's reminders survive a restart. The storage must be the one passed to
    /// <c>AddWaSessions</c> (its migrations create the table).
    /// </summary>
    public static ISiloBuilder UseSqliteReminderService(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.AddReminders();
        silo.Services.AddSingleton<IReminderTable, SqliteReminderTable>();
        return silo;
    }
}

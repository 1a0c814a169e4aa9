using System.Data.Common;

namespace WaOrleans.Grains.Storage;

/// <summary>
/// Builds parameterized commands the same way for every provider: both SQLite and Npgsql accept
/// <c>@name</c> placeholders, so the stores share one set of statements.
/// </summary>
internal static class SqlParameters
{
    /// <summary>Creates a command on the connection, enlisted in the transaction when there is one.</summary>
    public static DbCommand CreateCommand(this DbConnection connection, DbTransaction? transaction, string sql)
    {
        // A SQLite write transaction runs on the storage's one writer connection, not the caller's.
        if (transaction is Sqlite.WriterTurnTransaction { Connection: Sqlite.WriterTurnConnection writer })
        {
            connection = writer;
        }

        if (connection is Sqlite.WriterTurnConnection keeping)
        {
            // Reuses the statement when the connection has it prepared from an earlier use.
            return keeping.CreateCommand(sql, (Microsoft.Data.Sqlite.SqliteTransaction?)Sqlite.WriterTurnTransaction.Unwrap(transaction));
        }

        var command = connection.CreateCommand();
        // SQLite write transactions come wrapped with the writer turn they hold.
        command.Transaction = Sqlite.WriterTurnTransaction.Unwrap(transaction);
        command.CommandText = sql;
        return command;
    }

    /// <summary>Adds a named parameter and returns the command, so statements read as one expression.</summary>
    public static DbCommand With(this DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
        return command;
    }
}

using Npgsql;

namespace Tracevault.Storage.Postgres;

/// <summary>Makes and runs Npgsql commands with positional parameters (<c>$1</c>, <c>$2</c>, …), a null value sent as SQL NULL.</summary>
internal static class PostgresSql
{
    /// <summary>A command over <paramref name="connection"/> in <paramref name="transaction"/> (or none), its parameters in order.</summary>
    public static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params object?[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return command;
    }

    /// <summary>Runs a statement and returns how many rows it changed.</summary>
    public static int Execute(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params object?[] parameters)
    {
        using var command = Command(connection, transaction, sql, parameters);
        return command.ExecuteNonQuery();
    }

    /// <summary>Takes the transaction-scoped advisory lock <paramref name="lockId"/>, waiting for whoever holds it (on any node) to commit or roll back.</summary>
    public static void LockForTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction, long lockId) =>
        Execute(connection, transaction, "SELECT pg_advisory_xact_lock($1)", lockId);

    /// <summary>Whether the table <paramref name="table"/> exists in the connection's search path.</summary>
    public static bool TableExists(NpgsqlConnection connection, NpgsqlTransaction? transaction, string table)
    {
        using var command = Command(connection, transaction, "SELECT to_regclass($1) IS NOT NULL", table);
        return command.ExecuteScalar() is true;
    }

    /// <summary>
    /// Waits until the snapshots held now by other backends have been let go (their transactions ended), or the limit passes: in any
    /// database of the cluster, as a backend not yet in a database, or one of another database that looks at all of them, holds
    /// back what a vacuum here may remove too.
    /// </summary>
    public static void WaitForOpenTransactions(NpgsqlConnection connection, TimeSpan limit)
    {
        const string Open = "SELECT pid, coalesce(xact_start, backend_start) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_xmin IS NOT NULL";
        var waitingFor = new HashSet<(int Pid, DateTime Start)>();
        using (var command = Command(connection, null, Open))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                waitingFor.Add((reader.GetInt32(0), reader.GetDateTime(1)));
            }
        }

        var deadline = Environment.TickCount64 + (long)limit.TotalMilliseconds;
        while (waitingFor.Count > 0 && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(50);
            var still = new HashSet<(int Pid, DateTime Start)>();
            using var command = Command(connection, null, Open);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                still.Add((reader.GetInt32(0), reader.GetDateTime(1)));
            }

            waitingFor.IntersectWith(still);
        }
    }
}

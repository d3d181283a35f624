using System.Globalization;
using Npgsql;

namespace Tracevault.Benchmarks.Load;

/// <summary>
/// The PostgreSQL server under test, seen from the harness: databases made and dropped for each configuration, the CPU its
/// processes used (read from <c>/proc</c>, so the server must run on this machine), and the bytes the trace tables take.
/// </summary>
internal sealed class PostgresServerProbe(NpgsqlConnectionStringBuilder connection)
{
    /// <summary>The trace tables (every partition, default ones included) whose table + index + TOAST bytes count as the store's.</summary>
    private const string TraceTables = "('chunks', 'blind_index', 'undated_index', 'chunk_dictionaries')";

    /// <summary>Creates an empty database named <paramref name="name"/> and returns its connection string.</summary>
    public NpgsqlConnectionStringBuilder CreateDatabase(string name)
    {
        Execute(connection, $"CREATE DATABASE \"{name}\"");
        return new NpgsqlConnectionStringBuilder(connection.ConnectionString) { Database = name };
    }

    /// <summary>Drops a database <see cref="CreateDatabase"/> made (its nodes stopped first).</summary>
    public void DropDatabase(string name)
    {
        NpgsqlConnection.ClearAllPools();
        Execute(connection, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    }

    /// <summary>
    /// User + system CPU seconds of the whole PostgreSQL server: the postmaster, every process it runs now (backends, WAL writer,
    /// checkpointer, autovacuum…), and those that ended (the postmaster's reaped children's times).
    /// </summary>
    public double CpuSeconds()
    {
        int postmaster;
        using (var open = new NpgsqlConnection(connection.ConnectionString))
        {
            open.Open();
            using var command = new NpgsqlCommand("SELECT pg_backend_pid()", open);
            postmaster = Stat((int)command.ExecuteScalar()!).ParentPid;
        }

        var total = Stat(postmaster).WithChildren;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                try
                {
                    var stat = Stat(pid);
                    if (stat.ParentPid == postmaster)
                    {
                        total += stat.WithChildren;
                    }
                }
                catch (IOException)
                {
                    // The process ended while being read; its time is in the postmaster's reaped children's now.
                }
            }
        }

        return total;
    }

    /// <summary>Bytes of the trace tables in database <paramref name="database"/>: <c>pg_total_relation_size</c> (table + indexes + TOAST) of every partition, and of the whole database.</summary>
    public (long TraceBytes, long DatabaseBytes, Dictionary<string, long> PerTable) Sizes(NpgsqlConnectionStringBuilder database)
    {
        using var open = new NpgsqlConnection(database.ConnectionString);
        open.Open();
        Execute(open, "CHECKPOINT");
        var perTable = new Dictionary<string, long>(StringComparer.Ordinal);
        using (var command = new NpgsqlCommand(
            $"""
            SELECT COALESCE(p.relname, c.relname) AS family, SUM(pg_total_relation_size(c.oid))::bigint
            FROM pg_class c
            LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
            LEFT JOIN pg_class p ON p.oid = i.inhparent
            WHERE c.relkind = 'r' AND COALESCE(p.relname, c.relname) IN {TraceTables}
            GROUP BY 1 ORDER BY 2 DESC
            """, open))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                perTable[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        using var size = new NpgsqlCommand("SELECT pg_database_size(current_database())", open);
        return (perTable.Values.Sum(), (long)size.ExecuteScalar()!, perTable);
    }

    private static void Execute(NpgsqlConnectionStringBuilder builder, string sql)
    {
        using var open = new NpgsqlConnection(builder.ConnectionString);
        open.Open();
        Execute(open, sql);
    }

    private static void Execute(NpgsqlConnection open, string sql)
    {
        using var command = new NpgsqlCommand(sql, open);
        command.ExecuteNonQuery();
    }

    private static (int ParentPid, double WithChildren) Stat(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After the command name: state (3), ppid (4), … utime (14), stime (15), cutime (16), cstime (17).
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
            + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
        return (int.Parse(fields[1], CultureInfo.InvariantCulture), ticks / 100.0);
    }
}

using Microsoft.Data.Sqlite;

namespace Tracevault.Benchmarks.Load;

/// <summary>How much disk a store takes: the database and its WAL after a checkpoint, and what the pages hold.</summary>
internal sealed record DiskUsage(long DatabaseBytes, long WalBytes, long SealedBodyBytes, long Chunks, long IndexRows, Dictionary<string, long>? BytesPerTable)
{
    public long TotalBytes => DatabaseBytes + WalBytes;

    public static DiskUsage Measure(string databasePath)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        Execute(connection, "PRAGMA busy_timeout=30000; PRAGMA wal_checkpoint(TRUNCATE);");
        var sealedBytes = Scalar(connection, "SELECT COALESCE(SUM(length(sealed_body)), 0) FROM chunks");
        var chunks = Scalar(connection, "SELECT COUNT(*) FROM chunks");
        var indexRows = Scalar(connection, "SELECT COUNT(*) FROM blind_index");
        Dictionary<string, long>? tables = null;
        try
        {
            tables = [];
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                tables[reader.GetString(0)] = reader.GetInt64(1);
            }
        }
        catch (SqliteException)
        {
            // This SQLite build has no dbstat table; the totals still stand.
            tables = null;
        }

        connection.Close();
        var wal = databasePath + "-wal";
        return new DiskUsage(new FileInfo(databasePath).Length, File.Exists(wal) ? new FileInfo(wal).Length : 0, sealedBytes, chunks, indexRows, tables);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

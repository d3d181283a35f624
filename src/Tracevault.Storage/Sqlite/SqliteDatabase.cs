using Microsoft.Data.Sqlite;

namespace Tracevault.Storage.Sqlite;

/// <summary>The SQLite database in a data directory: opens connections in WAL mode and keeps the schema current.</summary>
/// <remarks>Thread-safe: each operation opens its own pooled connection.</remarks>
public sealed class SqliteDatabase
{
    /// <summary>The database file's name inside the data directory.</summary>
    public const string FileName = "tracevault.db";

    /// <summary>The <c>application_id</c> in a Tracevault database's header ("TVLT"), so other tools and Tracevault itself can tell its files.</summary>
    public const int ApplicationId = 0x54564C54;

    /// <summary>The 16 bytes every SQLite 3 database file starts with.</summary>
    private static ReadOnlySpan<byte> SqliteHeader => "SQLite format 3\0"u8;

    private readonly string _connectionString;

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/> and applies the schema.</summary>
    /// <exception cref="InvalidDataException">The file is not a Tracevault database (another file, another application's database, or a damaged header).</exception>
    public SqliteDatabase(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        try
        {
            CheckHeader(path);
            using var connection = Open();
            SqliteSchema.Apply(connection);
            using var mark = connection.CreateCommand();
            mark.CommandText = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"PRAGMA application_id = {ApplicationId}");
            mark.ExecuteNonQuery();
        }
        catch (SqliteException exception) when (StorageFailure.Of(exception) is { Kind: StorageFailureKind.Damaged } damaged)
        {
            throw new InvalidDataException($"{path} is not a readable Tracevault database ({damaged.Code}: {damaged.Reason}); run 'tracevault check' on its data directory.", exception);
        }
    }

    /// <summary>The database file's path.</summary>
    public string Path { get; }

    /// <summary>
    /// Refuses a file that is not a Tracevault database before anything writes to it: an existing, non-empty file must start
    /// with SQLite's header, and carry Tracevault's <c>application_id</c> or (made before it was set) Tracevault's schema table.
    /// </summary>
    /// <exception cref="InvalidDataException">It is not.</exception>
    public static void CheckHeader(string path)
    {
        if (!File.Exists(path) || new FileInfo(path).Length == 0)
        {
            return;
        }

        Span<byte> header = stackalloc byte[100];
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            if (file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length || !header[..16].SequenceEqual(SqliteHeader))
            {
                throw new InvalidDataException($"{path} is not a Tracevault database: it is not an SQLite database file. Move it away, or point --data at the right directory.");
            }
        }

        // application_id: 4 bytes, big-endian, at offset 68 of the header.
        var applicationId = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header[68..72]);
        if (applicationId == ApplicationId)
        {
            return;
        }

        if (applicationId != 0)
        {
            throw new InvalidDataException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{path} is not a Tracevault database: it is another application's SQLite database (application_id 0x{applicationId:x8})."));
        }

        // Opened read-only without the pragmas, so another application's database is not switched to WAL or otherwise changed.
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var tables = connection.CreateCommand();
        tables.CommandText = "SELECT COUNT(*), COUNT(CASE WHEN name = 'schema_versions' THEN 1 END) FROM sqlite_master WHERE type = 'table'";
        using var reader = tables.ExecuteReader();
        reader.Read();
        if (reader.GetInt64(0) > 0 && reader.GetInt64(1) == 0)
        {
            throw new InvalidDataException($"{path} is not a Tracevault database: it is an SQLite database without Tracevault's tables.");
        }
    }

    /// <summary>
    /// Runs SQLite's <c>PRAGMA integrity_check</c> on the file, read-only: its findings (none when the file is sound), each
    /// followed by the table or index a "Tree N" it names is (its root page).
    /// </summary>
    public static IReadOnlyList<string> IntegrityCheck(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        var trees = new Dictionary<long, string>();
        using (var names = connection.CreateCommand())
        {
            names.CommandText = "SELECT rootpage, type || ' ' || name FROM sqlite_master WHERE rootpage > 0";
            using var reader = names.ExecuteReader();
            while (reader.Read())
            {
                trees[reader.GetInt64(0)] = reader.GetString(1);
            }
        }

        try
        {
            return Check(connection, "PRAGMA integrity_check(1000)", trees);
        }
        catch (SqliteException whole) when (StorageFailure.Of(whole) is { } failure)
        {
            // Some damage stops the check itself: check table by table (each with its indexes), to name what is damaged.
            var findings = new List<string> { $"the whole-file check stopped: {failure.Code}: {failure.Reason}" };
            foreach (var table in trees.Values.Where(t => t.StartsWith("table ", StringComparison.Ordinal)).Select(t => t["table ".Length..]).Order(StringComparer.Ordinal))
            {
                try
                {
                    findings.AddRange(Check(connection, $"PRAGMA integrity_check(\"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\")", trees).Select(f => $"table {table}: {f}"));
                }
                catch (SqliteException exception) when (StorageFailure.Of(exception) is { } tableFailure)
                {
                    findings.Add($"table {table} or one of its indexes is damaged: {tableFailure.Code}: {tableFailure.Reason}");
                }
            }

            return findings;
        }
    }

    private static List<string> Check(SqliteConnection connection, string pragma, Dictionary<long, string> trees)
    {
        var findings = new List<string>();
        using var check = connection.CreateCommand();
        check.CommandText = pragma;
        using var reader = check.ExecuteReader();
        while (reader.Read())
        {
            var line = reader.GetString(0);
            if (line == "ok")
            {
                continue;
            }

            var tree = System.Text.RegularExpressions.Regex.Match(line, @"Tree (\d+)");
            findings.Add(tree.Success && trees.TryGetValue(long.Parse(tree.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), out var name) ? $"{line} [{name}]" : line);
        }

        return findings;
    }

    /// <summary>Opens a connection with the pragmas every connection needs.</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;";
        command.ExecuteNonQuery();
        return connection;
    }
}

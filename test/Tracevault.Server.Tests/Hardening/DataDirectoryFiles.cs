using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace Tracevault.Server.Tests.Hardening;

/// <summary>What tests do to a stopped server's data directory by hand: read its credentials, checkpoint its WAL, flip bytes in its database file.</summary>
public static partial class DataDirectoryFiles
{
    /// <summary>The admin's access key id and secret from the directory's credentials file.</summary>
    public static (string AccessKeyId, string Secret) AdminCredentials(string dataDirectory)
    {
        var text = File.ReadAllText(Path.Combine(dataDirectory, "credentials"));
        return (KeyId().Match(text).Groups[1].Value, Secret().Match(text).Groups[1].Value);
    }

    /// <summary>The database file's path.</summary>
    public static string Database(string dataDirectory) => Path.Combine(dataDirectory, "tracevault.db");

    /// <summary>Opens a plain connection to the database (no pooling, so nothing stays open after the test's use).</summary>
    public static SqliteConnection Open(string dataDirectory)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Database(dataDirectory), Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    /// <summary>Moves everything in the WAL into the database file, so bytes flipped in the file are what SQLite reads.</summary>
    public static void Checkpoint(string dataDirectory)
    {
        using var connection = Open(dataDirectory);
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        command.ExecuteNonQuery();
    }

    /// <summary>The chunks' ids, oldest first.</summary>
    public static List<long> ChunkIds(string dataDirectory)
    {
        using var connection = Open(dataDirectory);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM chunks ORDER BY id";
        using var reader = command.ExecuteReader();
        var ids = new List<long>();
        while (reader.Read())
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    /// <summary>
    /// Flips one byte of a chunk's sealed body where it lies in the database file, found by searching the file for the body's bytes
    /// <paramref name="fromEnd"/> bytes before its end (its last frame, away from its directory): damage as a bad disk does it.
    /// </summary>
    public static void FlipSealedBodyByte(string dataDirectory, long chunkId, int fromEnd)
    {
        byte[] body;
        using (var connection = Open(dataDirectory))
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT sealed_body FROM chunks WHERE id = $id";
            command.Parameters.AddWithValue("$id", chunkId);
            body = (byte[])command.ExecuteScalar()!;
        }

        var needle = body.AsSpan(body.Length - fromEnd, 32).ToArray();
        var file = File.ReadAllBytes(Database(dataDirectory));
        var at = file.AsSpan().IndexOf(needle);
        Assert.True(at >= 0, "the sealed body's bytes are not in the database file as one run");
        Assert.True(file.AsSpan(at + 1).IndexOf(needle) < 0, "the sealed body's bytes occur twice in the database file");
        using var stream = new FileStream(Database(dataDirectory), FileMode.Open, FileAccess.ReadWrite);
        stream.Position = at + 16;
        var original = stream.ReadByte();
        stream.Position = at + 16;
        stream.WriteByte((byte)(original ^ 0x5A));
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Overwrites the b-tree page of a table or index (its root page) with garbage, as a torn or bad sector would.</summary>
    public static void SmashRootPage(string dataDirectory, string name)
    {
        long rootPage;
        long pageSize;
        using (var connection = Open(dataDirectory))
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT rootpage FROM sqlite_master WHERE name = $name";
            command.Parameters.AddWithValue("$name", name);
            rootPage = (long)command.ExecuteScalar()!;
            command.CommandText = "PRAGMA page_size";
            pageSize = (long)command.ExecuteScalar()!;
        }

        using var stream = new FileStream(Database(dataDirectory), FileMode.Open, FileAccess.ReadWrite);
        stream.Position = (rootPage - 1) * pageSize;
        var garbage = new byte[pageSize];
        Array.Fill(garbage, (byte)0xA5);
        stream.Write(garbage);
        stream.Flush(flushToDisk: true);
    }

    [GeneratedRegex("aws_access_key_id = (\\S+)")]
    private static partial Regex KeyId();

    [GeneratedRegex("aws_secret_access_key = (\\S+)")]
    private static partial Regex Secret();
}

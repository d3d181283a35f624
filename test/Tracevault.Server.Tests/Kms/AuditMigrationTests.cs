using System.Globalization;
using Microsoft.Data.Sqlite;
using Tracevault.Keys.RootKeys;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Kms;

/// <summary>A database written before the chain was keyed: its records are checked by their SHA-256 links and re-chained under the key once.</summary>
public sealed class AuditMigrationTests(ITestOutputHelper output) : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 9, 30, 0, TimeSpan.Zero);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tracevault-test-" + Path.GetRandomFileName());

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task AuditVerify_FirstFormatTrail_IsReChainedUnderTheKeyAndVerifies()
    {
        WriteFirstFormatTrail(records: 3, alterSecond: false);

        var result = await ServerProcess.RunCommandAsync("audit", "verify", "--data", _directory);
        output.WriteLine(result.Output);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"verified 3 records up to {Start.AddMinutes(2).UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}"), result.StandardOutput, StringComparison.Ordinal);
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM audit_events WHERE key_id IS NULL";
        Assert.Equal(0L, (long)command.ExecuteScalar()!);
    }

    [Fact]
    public async Task AuditVerify_FirstFormatTrailAlteredBeforeMigration_StaysReportedAfterReChaining()
    {
        WriteFirstFormatTrail(records: 3, alterSecond: true);

        var first = await ServerProcess.RunCommandAsync("audit", "verify", "--data", _directory);
        var second = await ServerProcess.RunCommandAsync("audit", "verify", "--data", _directory);
        output.WriteLine(first.Output);

        Assert.Equal(1, first.ExitCode);
        Assert.Contains("broken at event e2", first.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("broken at event e2", second.StandardError, StringComparison.Ordinal);
    }

    /// <summary>Writes the audit table of schema step 1 with records linked by plain SHA-256, as Tracevault did before the chain was keyed.</summary>
    private void WriteFirstFormatTrail(int records, bool alterSecond)
    {
        Directory.CreateDirectory(_directory);

        // A data directory of that time held its root key beside the database; the records below need none of its sealed material.
        RootKeyRing.CreateNew().Save(Path.Combine(_directory, "root.key"));
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        Execute(connection, transaction, """
            CREATE TABLE schema_versions (part TEXT PRIMARY KEY, version INTEGER NOT NULL);
            INSERT INTO schema_versions (part, version) VALUES ('audit', 1);
            CREATE TABLE audit_events (
                seq INTEGER PRIMARY KEY,
                event_id TEXT NOT NULL UNIQUE,
                recipient_account_id TEXT NOT NULL,
                event_time INTEGER NOT NULL,
                event_source TEXT NOT NULL,
                event_name TEXT NOT NULL,
                read_only INTEGER NOT NULL,
                username TEXT NOT NULL,
                access_key_id TEXT NOT NULL,
                resources TEXT NOT NULL,
                record TEXT NOT NULL,
                hash BLOB NOT NULL);
            CREATE INDEX audit_events_account ON audit_events(recipient_account_id, seq);
            CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
            CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
            CREATE TABLE kms_usage (
                account_id TEXT NOT NULL,
                key_arn TEXT NOT NULL,
                month TEXT NOT NULL,
                operation TEXT NOT NULL,
                requests INTEGER NOT NULL,
                PRIMARY KEY (account_id, key_arn, month, operation));
            """);
        var previous = new byte[32];
        for (var i = 1; i <= records; i++)
        {
            var eventId = "e" + i.ToString(CultureInfo.InvariantCulture);
            var time = Start.AddMinutes(i - 1).ToUnixTimeMilliseconds();
            var record = $$"""{"eventName":"ListKeys","eventID":"{{eventId}}"}""";
            previous = AuditTamperTests.PlainSha256(previous, i, time, [eventId, "111122223333", "kms.amazonaws.com", "ListKeys", "true", "admin", "AKIAEXAMPLE", "", record]);
            var username = alterSecond && i == 2 ? "somebody-else" : "admin";
            Execute(connection, transaction, """
                INSERT INTO audit_events (seq, event_id, recipient_account_id, event_time, event_source, event_name, read_only, username, access_key_id, resources, record, hash)
                VALUES ($seq, $id, '111122223333', $time, 'kms.amazonaws.com', 'ListKeys', 1, $user, 'AKIAEXAMPLE', '', $record, $hash)
                """, ("$seq", i), ("$id", eventId), ("$time", time), ("$user", username), ("$record", record), ("$hash", previous));
        }

        transaction.Commit();
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(_directory, "tracevault.db")};Pooling=False");
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }
}

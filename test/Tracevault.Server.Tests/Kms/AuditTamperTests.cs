using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Kms;

/// <summary>
/// The audit trail against someone who can write the database file: records rewritten with every later hash recomputed,
/// and the tail cut off. <c>tracevault audit verify</c> must notice both.
/// </summary>
public sealed class AuditTamperTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        using var kms = new SignedHttpClient(_server.Endpoint, _server.AdminAccessKeyId, _server.AdminSecret);
        for (var i = 0; i < 6; i++)
        {
            using var created = await kms.KmsAsync("CreateKey", SignedHttpClient.Json($$"""{"Description":"tamper {{i}}"}"""));
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }

        using var listed = await kms.KmsAsync("ListKeys", SignedHttpClient.Json("{}"));
        Assert.True(listed.IsSuccessStatusCode);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private string DatabasePath => Path.Combine(_server.DataDirectory, "tracevault.db");

    [Fact]
    public async Task AuditVerify_Untouched_CountsEveryRecordUpToTheLastTime()
    {
        var records = await ScalarAsync("SELECT COUNT(*) FROM audit_events");
        var lastTime = DateTimeOffset.FromUnixTimeMilliseconds(await ScalarAsync("SELECT MAX(event_time) FROM audit_events"));

        var verified = await ServerProcess.RunCommandAsync("audit", "verify", "--data", _server.DataDirectory);
        output.WriteLine(verified.Output);

        Assert.Equal(0, verified.ExitCode);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"verified {records} records up to {lastTime.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}"), verified.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public async Task AuditVerify_LastRecordsDeleted_ReportsTruncation(int deleted)
    {
        var before = await ScalarAsync("SELECT COUNT(*) FROM audit_events");
        await ExecuteAsync($"DROP TRIGGER audit_events_no_delete; DELETE FROM audit_events WHERE seq > (SELECT MAX(seq) FROM audit_events) - {deleted.ToString(CultureInfo.InvariantCulture)}");
        Assert.Equal(before - deleted, await ScalarAsync("SELECT COUNT(*) FROM audit_events"));

        var result = await ServerProcess.RunCommandAsync("audit", "verify", "--data", _server.DataDirectory);
        output.WriteLine(result.Output);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("truncated", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditVerify_RecordRewrittenAndLaterHashesRecomputedWithPlainSha256_IsDetected()
    {
        // What an attacker who knows the published format does: change one record, then recompute the SHA-256 chain after it.
        await using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
            Execute(connection, transaction, "DROP TRIGGER audit_events_no_update");
            Execute(connection, transaction, "UPDATE audit_events SET username = 'somebody-else' WHERE seq = 2");
            var rows = new List<(long Seq, byte[] Hash)>();
            var previous = new byte[32];
            using (var read = connection.CreateCommand())
            {
                read.Transaction = transaction;
                read.CommandText = "SELECT seq, event_id, recipient_account_id, event_time, event_source, event_name, read_only, username, access_key_id, resources, record FROM audit_events ORDER BY seq";
                using var reader = read.ExecuteReader();
                while (reader.Read())
                {
                    previous = PlainSha256(previous, reader.GetInt64(0), reader.GetInt64(3),
                        [reader.GetString(1), reader.GetString(2), reader.GetString(4), reader.GetString(5), reader.GetInt64(6) == 1 ? "true" : "false", reader.GetString(7), reader.GetString(8), reader.GetString(9), reader.GetString(10)]);
                    rows.Add((reader.GetInt64(0), previous));
                }
            }

            foreach (var (seq, hash) in rows)
            {
                Execute(connection, transaction, "UPDATE audit_events SET hash = $hash WHERE seq = $seq", ("$hash", hash), ("$seq", seq));
            }

            await transaction.CommitAsync();
        }

        var result = await ServerProcess.RunCommandAsync("audit", "verify", "--data", _server.DataDirectory);
        output.WriteLine(result.Output);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("broken", result.StandardError, StringComparison.Ordinal);
    }

    /// <summary>The published, unkeyed format: SHA-256 of the previous hash, the sequence, the time and each length-prefixed field.</summary>
    internal static byte[] PlainSha256(byte[] previous, long sequence, long timeMilliseconds, string[] fields)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(previous);
        var number = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(number, sequence);
        hash.AppendData(number);
        BinaryPrimitives.WriteInt64BigEndian(number, timeMilliseconds);
        hash.AppendData(number);
        foreach (var field in fields)
        {
            var bytes = Encoding.UTF8.GetBytes(field);
            BinaryPrimitives.WriteInt64BigEndian(number, bytes.Length);
            hash.AppendData(number);
            hash.AppendData(bytes);
        }

        return hash.GetHashAndReset();
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        Execute(connection, null, sql);
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
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

using Microsoft.Data.Sqlite;
using Tracevault.Keys.Audit;

namespace Tracevault.Storage.Sqlite;

/// <summary>The audit trail in the SQLite database: append-only (triggers refuse UPDATE and DELETE) and hash-chained.</summary>
/// <remarks>Appends are serialized, in this process by a lock and across processes by an immediate transaction.</remarks>
public sealed class SqliteAuditLog : IAuditLog
{
    private const string Columns = "seq, event_id, recipient_account_id, event_time, event_source, event_name, read_only, username, access_key_id, resources, record, hash";

    private readonly SqliteDatabase _database;
    private readonly Lock _appendLock = new();

    /// <summary>Creates the log over a database.</summary>
    public SqliteAuditLog(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public void Append(IReadOnlyList<AuditEvent> events, KeyUsageIncrement? usage)
    {
        ArgumentNullException.ThrowIfNull(events);
        lock (_appendLock)
        {
            using var connection = _database.Open();
            using var transaction = connection.BeginTransaction(deferred: false);
            long sequence = 0;
            var previous = AuditChain.Genesis;
            using (var last = SqliteKeyRepository.Command(connection, transaction, "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1"))
            using (var reader = last.ExecuteReader())
            {
                if (reader.Read())
                {
                    sequence = reader.GetInt64(0);
                    previous = (byte[])reader[1];
                }
            }

            foreach (var record in events)
            {
                sequence++;
                var hash = AuditChain.Hash(previous, sequence, record);
                SqliteKeyRepository.Execute(connection, transaction, $"INSERT INTO audit_events ({Columns}) VALUES ($seq, $id, $account, $time, $source, $name, $readOnly, $user, $accessKey, $resources, $record, $hash)",
                    ("$seq", sequence), ("$id", record.EventId), ("$account", record.RecipientAccountId), ("$time", record.EventTime.ToUnixTimeMilliseconds()),
                    ("$source", record.EventSource), ("$name", record.EventName), ("$readOnly", record.ReadOnly ? 1 : 0), ("$user", record.Username),
                    ("$accessKey", record.AccessKeyId), ("$resources", string.Join('\n', record.ResourceArns)), ("$record", record.RecordJson), ("$hash", hash));
                previous = hash;
            }

            if (usage is not null)
            {
                SqliteKeyRepository.Execute(connection, transaction, """
                    INSERT INTO kms_usage (account_id, key_arn, month, operation, requests) VALUES ($account, $arn, $month, $operation, 1)
                    ON CONFLICT (account_id, key_arn, month, operation) DO UPDATE SET requests = requests + 1
                    """, ("$account", usage.AccountId), ("$arn", usage.KeyArn), ("$month", usage.Month), ("$operation", usage.Operation));
            }

            transaction.Commit();
        }
    }

    /// <inheritdoc />
    public AuditPage Lookup(AuditQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = query.AttributeKey switch
        {
            null => "1 = 1",
            "EventId" => "event_id = $value",
            "EventName" => "event_name = $value",
            "ReadOnly" => "read_only = (CASE WHEN $value = 'true' THEN 1 WHEN $value = 'false' THEN 0 ELSE -1 END)",
            "Username" => "username = $value",
            "ResourceType" => "($value = 'AWS::KMS::Key' AND resources <> '')",
            "ResourceName" => "instr(char(10) || resources || char(10), char(10) || $value || char(10)) > 0",
            "EventSource" => "event_source = $value",
            "AccessKeyId" => "access_key_id = $value",
            _ => throw new ArgumentException($"'{query.AttributeKey}' is not a lookup attribute.", nameof(query)),
        };
        using var connection = _database.Open();
        using var command = SqliteKeyRepository.Command(connection, null, $"""
            SELECT {Columns} FROM audit_events
            WHERE recipient_account_id = $account AND ($before IS NULL OR seq < $before)
              AND ($start IS NULL OR event_time >= $start) AND ($end IS NULL OR event_time < $end) AND {filter}
            ORDER BY seq DESC LIMIT $limit
            """,
            ("$account", query.AccountId), ("$before", query.BeforeSequence), ("$value", query.AttributeValue ?? ""),
            ("$start", query.StartTime is { } start ? start.ToUnixTimeSeconds() * 1000 : null),
            ("$end", query.EndTime is { } end ? (end.ToUnixTimeSeconds() + 1) * 1000 : null),
            ("$limit", query.MaxResults + 1));
        var rows = ReadRows(command);
        var more = rows.Count > query.MaxResults;
        var page = rows.Take(query.MaxResults).ToList();
        return new AuditPage(page.Select(r => r.Event).ToList(), more ? page[^1].Sequence : null);
    }

    /// <inheritdoc />
    public AuditVerification Verify()
    {
        using var connection = _database.Open();
        using var command = SqliteKeyRepository.Command(connection, null, $"SELECT {Columns} FROM audit_events ORDER BY seq");
        using var reader = command.ExecuteReader();
        var previous = AuditChain.Genesis;
        long expectedSequence = 1;
        long count = 0;
        while (reader.Read())
        {
            var row = ReadRow(reader);
            var computed = AuditChain.Hash(previous, row.Sequence, row.Event);
            if (row.Sequence != expectedSequence || !computed.AsSpan().SequenceEqual(row.Hash))
            {
                return new AuditVerification(false, count, row.Event.EventId);
            }

            previous = row.Hash;
            expectedSequence++;
            count++;
        }

        return new AuditVerification(true, count, null);
    }

    /// <inheritdoc />
    public IReadOnlyList<KeyUsage> ReadUsage(string accountId, string? month)
    {
        using var connection = _database.Open();
        using var command = SqliteKeyRepository.Command(connection, null,
            "SELECT key_arn, month, operation, requests FROM kms_usage WHERE account_id = $account AND ($month IS NULL OR month = $month) ORDER BY month, key_arn, operation",
            ("$account", accountId), ("$month", month));
        var usage = new List<KeyUsage>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            usage.Add(new KeyUsage(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3)));
        }

        return usage;
    }

    private static List<(long Sequence, AuditEvent Event, byte[] Hash)> ReadRows(SqliteCommand command)
    {
        var rows = new List<(long, AuditEvent, byte[])>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows.Add(ReadRow(reader));
        }

        return rows;
    }

    private static (long Sequence, AuditEvent Event, byte[] Hash) ReadRow(SqliteDataReader reader)
    {
        var resources = reader.GetString(9);
        var record = new AuditEvent(reader.GetString(1), reader.GetString(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), reader.GetString(4),
            reader.GetString(5), reader.GetInt64(6) == 1, reader.GetString(7), reader.GetString(8),
            resources.Length == 0 ? [] : resources.Split('\n'), reader.GetString(10));
        return (reader.GetInt64(0), record, (byte[])reader[11]);
    }
}
